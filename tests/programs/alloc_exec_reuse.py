# alloc_exec_reuse.py — code objects that die and leave their address to the next:
# two sources alternate, the list of the first is made on its line 1, of the
# second on its line 3. Each allocation must be attributed to its own line.
sources = ["x = [1]\n", "\n\ny = [2]\n"]
keep = []
for i in range(200):
    scope = {}
    exec(compile(sources[i % 2], "<generated>", "exec"), scope)
    keep.append(scope.get("x") or scope.get("y"))
print(len(keep))
