# alloc_helper.py — a user module imported by alloc_extras.py: its global
# registry holds the objects made on the marked line.
REGISTRY = []


def remember(n):
    for i in range(n):
        REGISTRY.append({"item": i})  # HELPER_SITE
