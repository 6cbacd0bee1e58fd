# multiprocessing with the start method named on the command line: fork
# (Linux's default in 3.11) or spawn (fresh interpreters, sys.executable):
# a pool doing real work, a Process, and a Queue from a child.
import multiprocessing as mp
import sys

def work(n):
    return sum(i * i for i in range(n)) % 1000003

if __name__ == "__main__":
    ctx = mp.get_context(sys.argv[1])
    with ctx.Pool(2) as pool:
        print(pool.map(work, range(1000, 60000, 3000)))
    q = ctx.Queue()
    p = ctx.Process(target=q.put, args=("from child",))
    p.start(); print(q.get()); p.join()
    print(p.exitcode)
