# os.fork: the child prints and ends as a program ends (interpreter exit), the
# parent waits for it and prints its exit status; then a child leaving by os._exit.
import os
import sys

sys.stdout.flush()
pid = os.fork()
if pid == 0:
    data = [str(i) for i in range(1000)]
    print("child", len(data))
    sys.exit(3)
_, status = os.waitpid(pid, 0)
print("parent", os.waitstatus_to_exitcode(status))
sys.stdout.flush()
pid = os.fork()
if pid == 0:
    print("child 2")
    sys.stdout.flush()
    os._exit(7)
_, status = os.waitpid(pid, 0)
print("parent", os.waitstatus_to_exitcode(status))
