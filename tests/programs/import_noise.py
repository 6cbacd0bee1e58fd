# import_noise.py — imports a one-line module of its own directory
# (import_noise_helper.py) and leaves one list in that module's registry.
# The import system's own objects (finders' caches, the compiler's node
# types) are not the program's leaks; the list is, held by the helper's
# global. Prints what CPython says about the registry.
import sys

import import_noise_helper

import_noise_helper._registry.append([1, 2, 3])  # REGISTRY_SITE
print("registry", len(import_noise_helper._registry), type(import_noise_helper._registry[0]).__name__)
print("refcount item", sys.getrefcount(import_noise_helper._registry[0]) - 1)
