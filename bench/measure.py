"""measure.py — what one run of a command costs, for the benchmarks:

    /usr/bin/python3.11 bench/measure.py LIMIT CMD [ARG ...]

prints one line, "WALL CPU MAXRSS_KB STATUS": wall seconds, CPU seconds
(user + system of the command and of every child it waited for, such as a
recorder's writer thread or heaptrack's interpreter process), the peak
resident set in kB, and the exit status, or "timeout" when the command ran
longer than LIMIT seconds (0: no limit) and was killed with its process
group. Times come from wait4's rusage, in microseconds (/usr/bin/time prints
hundredths, as long as a whole run of fib(22)). The peak RSS comes from
/usr/bin/time, which the command runs under: a process forked from this
Python would start with Python's own 10 MB as its high-water mark (Linux
keeps the larger of the old and new image's peaks across exec), where
/usr/bin/time's is 1 MB; its CPU time, under a millisecond, is counted in.
The command's stdout goes to /dev/null, its stdin comes from /dev/null, its
stderr is ours.
"""
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time


def main(argv):
    if len(argv) < 3:
        print("usage: measure.py LIMIT CMD [ARG ...]", file=sys.stderr)
        return 2
    limit = float(argv[1])
    cmd = argv[2:]
    timed_out = threading.Event()
    fd, rss_file = tempfile.mkstemp(prefix="measure.")
    os.close(fd)
    t0 = time.perf_counter()
    try:
        child = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", rss_file, *cmd], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 start_new_session=True)
    except OSError as e:
        print("measure.py: cannot run '%s': %s" % (cmd[0], e.strerror), file=sys.stderr)
        return 1

    def kill():
        timed_out.set()
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    timer = threading.Timer(limit, kill) if limit > 0 else None
    if timer:
        timer.daemon = True
        timer.start()
    _, status, ru = os.wait4(child.pid, 0)
    wall = time.perf_counter() - t0
    if timer:
        timer.cancel()
    child.returncode = os.waitstatus_to_exitcode(status)  # Popen must not wait again
    verdict = "timeout" if timed_out.is_set() else str(child.returncode)
    with open(rss_file) as f:  # time's last line; a first one tells of a signal
        lines = f.read().split()
    os.unlink(rss_file)
    rss = int(lines[-1]) if lines and lines[-1].isdigit() else ru.ru_maxrss
    print("%.6f %.6f %d %s" % (wall, ru.ru_utime + ru.ru_stime, rss, verdict))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
