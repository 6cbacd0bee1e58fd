# leak_listeners.py — an event bus whose listeners are closures over the bus
# itself: bus -> listeners list -> closure -> cell -> bus, a cycle alive at
# the end and reached from the global BUS.
class Bus:
    def __init__(self):
        self.listeners = []


def subscribe(bus, name):
    def on_event(event):
        return (name, event, bus)
    bus.listeners.append(on_event)  # CLOSES_CYCLE
    return on_event


BUS = Bus()
for i in range(3):
    subscribe(BUS, "listener%d" % i)
print(len(BUS.listeners))
