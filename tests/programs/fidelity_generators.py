# fidelity_generators.py — generator and coroutine frames keep their slots
# across suspensions; threads' frames are recorded with their thread.
import asyncio
import sys
import threading

import heapreel


def chk(*parts):
    print("CHK", *parts)


def countdown(n):
    items = []
    while n > 0:
        items.append(n)
        yield n
        n -= 1


gen = countdown(3)
first = next(gen)
heapreel.mark("m_gen_suspended")
chk("m_gen_suspended", "genlocals", "countdown", *sorted("%s=%d" % (k, id(v)) for k, v in gen.gi_frame.f_locals.items()))
second = next(gen)
heapreel.mark("m_gen_resumed")
chk("m_gen_resumed", "genlocals", "countdown", *sorted("%s=%d" % (k, id(v)) for k, v in gen.gi_frame.f_locals.items()))
rest = list(gen)
heapreel.mark("m_gen_done")
chk("m_gen_done", "frames", "countdown", 1)


async def fetch(x):
    buf = [x]
    await asyncio.sleep(0)
    buf.append(x + 1)
    heapreel.mark("m_coro_resumed")
    chk("m_coro_resumed", "locals", *sorted(sys._getframe().f_locals))
    chk("m_coro_resumed", "items", "buf", *[id(v) for v in buf])
    return buf


got = asyncio.run(fetch(41))
heapreel.mark("m_coro_done")
chk("m_coro_done", "frames", "fetch", 1)


def worker(out):
    local_list = [threading.get_ident()]
    out.append(local_list)
    heapreel.mark("m_thread")
    chk("m_thread", "thread", threading.get_ident())
    chk("m_thread", "locals", *sorted(sys._getframe().f_locals))
    chk("m_thread", "addr", "local_list", id(local_list))


results = []
t = threading.Thread(target=worker, args=(results,))
t.start()
t.join()
print(len(results), len(got), first, second, rest)
