# run_exit.py — ends in the way its first argument names, to compare exit statuses.
import os
import sys

mode = sys.argv[1]
print("running", mode, flush=True)
if mode == "code":
    sys.exit(3)
elif mode == "msg":
    sys.exit("run_exit: something went wrong")
elif mode == "raise":
    def inner():
        raise ValueError("boom")
    inner()
elif mode == "osexit":
    os._exit(5)
