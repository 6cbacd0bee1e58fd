# multiprocessing with the fork start method (Linux's default in 3.11): a pool doing real work.
import multiprocessing as mp

def work(n):
    return sum(i * i for i in range(n)) % 1000003

if __name__ == "__main__":
    ctx = mp.get_context("fork")
    with ctx.Pool(2) as pool:
        print(pool.map(work, range(1000, 60000, 3000)))
    p = ctx.Process(target=work, args=(10,))
    p.start(); p.join()
    print(p.exitcode)
