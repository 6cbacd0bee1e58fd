# asyncio: tasks, a queue, gather, wait_for with a timeout, and an async generator.
import asyncio

async def producer(q, n):
    for i in range(n):
        await q.put(i)
        await asyncio.sleep(0)
    await q.put(None)

async def consumer(q):
    total = 0
    while (item := await q.get()) is not None:
        total += item
    return total

async def agen(n):
    for i in range(n):
        yield i * i
        await asyncio.sleep(0)

async def main():
    q = asyncio.Queue(maxsize=10)
    _, total = await asyncio.gather(producer(q, 2000), consumer(q))
    squares = [v async for v in agen(100)]
    try:
        await asyncio.wait_for(asyncio.sleep(10), timeout=0.01)
    except asyncio.TimeoutError:
        timed_out = True
    tasks = [asyncio.create_task(asyncio.sleep(0.001, result=i)) for i in range(50)]
    done = await asyncio.gather(*tasks)
    print(total, sum(squares), timed_out, sum(done))

asyncio.run(main())
