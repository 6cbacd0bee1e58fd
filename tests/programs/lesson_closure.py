# A closure keeps its enclosing function's list alive in a cell.
def make_log():
    entries = []
    def log(msg):
        entries.append(msg)
        return len(entries)
    return log

log = make_log()
log("start")
log("stop")
print(log.__closure__[0].cell_contents)
