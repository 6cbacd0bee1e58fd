# multiprocessing with the spawn start method: children started as fresh interpreters (sys.executable).
import multiprocessing as mp

def work(n):
    return sum(i * i for i in range(n)) % 1000003

if __name__ == "__main__":
    ctx = mp.get_context("spawn")
    with ctx.Pool(2) as pool:
        print(pool.map(work, range(1000, 60000, 3000)))
    q = ctx.Queue()
    p = ctx.Process(target=q.put, args=("from child",))
    p.start(); print(q.get()); p.join()
    print(p.exitcode)
