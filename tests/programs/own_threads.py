# own_threads.py — threads under threading.settrace; _thread.start_new_thread
# as the program sees it, its errors, and a thread that raises or exits.
import threading, _thread, sys, time
seen = []
def tr(frame, event, arg):
    if event == "call":
        seen.append(frame.f_code.co_name)
    return None
threading.settrace(tr)
def work(n):
    out = [i * 2 for i in range(n)]
    return sum(out)
t = threading.Thread(target=work, args=(5,))
t.start(); t.join()
print(sorted(set(s for s in seen if s in ("work", "run", "<listcomp>"))))
print(_thread.start_new_thread, _thread.start_new_thread.__module__, _thread.start_new_thread.__self__)
done = threading.Event()
def bad():
    try:
        raise RuntimeError("in thread")
    finally:
        done.set()
_thread.start_new_thread(bad, ())
done.wait(); time.sleep(0.2)
def ex():
    sys.exit(3)
_thread.start_new_thread(ex, ())
time.sleep(0.2)
try:
    _thread.start_new_thread(1, ())
except TypeError as e:
    print(e)
try:
    _thread.start_new_thread(work, [1])
except TypeError as e:
    print(e)
print("end")
