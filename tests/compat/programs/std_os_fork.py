# os.fork: the child prints and exits, the parent waits for it and prints its status.
import os
import sys

sys.stdout.flush()
pid = os.fork()
if pid == 0:
    data = [str(i) for i in range(1000)]
    print("child", len(data))
    sys.stdout.flush()
    os._exit(7)
_, status = os.waitpid(pid, 0)
print("parent", os.waitstatus_to_exitcode(status))
