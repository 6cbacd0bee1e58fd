_registry = []
