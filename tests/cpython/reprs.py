# The primitives' reprs (without the address) and the queue's str(), with waiters waiting and
# woken but not yet run.
import asyncio, re

def r(o):
    return re.sub(r" at 0x[0-9a-f]+", "", repr(o))

async def main():
    lock = asyncio.Lock()
    print(r(lock))
    await lock.acquire()
    t = asyncio.create_task(lock.acquire())
    await asyncio.sleep(0)
    print(r(lock))
    lock.release()
    print(f"woken: {r(lock)}")
    await t
    sem = asyncio.Semaphore(1)
    print(r(sem))
    await sem.acquire()
    print(r(sem))
    print(r(asyncio.BoundedSemaphore(2)))
    ev = asyncio.Event()
    print(r(ev))
    t = asyncio.create_task(ev.wait())
    await asyncio.sleep(0)
    print(r(ev))
    ev.set()
    print(f"woken: {r(ev)}")
    await t
    cond = asyncio.Condition()
    print(r(cond))
    barrier = asyncio.Barrier(2)
    print(r(barrier))
    t = asyncio.create_task(barrier.wait())
    await asyncio.sleep(0)
    print(r(barrier))
    await barrier.wait()
    await t
    q = asyncio.Queue(2)
    print(str(q))
    q.put_nowait(1)
    print(str(q))
    lq = asyncio.LifoQueue()
    g = asyncio.create_task(lq.get())
    await asyncio.sleep(0)
    print(str(lq))
    lq.put_nowait(0)
    await g

asyncio.run(main())
