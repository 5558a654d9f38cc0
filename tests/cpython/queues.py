# LifoQueue and PriorityQueue: their order, blocked getters and putters woken in order, the
# repr's counts, and shutdown (immediate or not) waking every waiter.
import asyncio

async def main():
    loop = asyncio.get_running_loop()
    start = loop.time()
    def t():
        return f"{loop.time() - start:.0f}s"

    for q in (asyncio.LifoQueue(), asyncio.PriorityQueue()):
        for item in (2, 1, 3):
            q.put_nowait(item)
        print(f"{t()} {type(q).__name__} order: {[q.get_nowait() for _ in range(3)]}")

    q = asyncio.LifoQueue(maxsize=2)
    async def getter(name):
        try:
            item = await q.get()
            print(f"{t()} {name} got {item}")
        except asyncio.QueueShutDown:
            print(f"{t()} {name} shut down")
    async def putter(item):
        try:
            await q.put(item)
            print(f"{t()} put {item}")
        except asyncio.QueueShutDown:
            print(f"{t()} put {item} shut down")
    gs = [asyncio.create_task(getter(f"g{i}")) for i in range(2)]
    await asyncio.sleep(0)
    print(f"{t()} getters: {len(q._getters)}")
    q.put_nowait("x")
    q.put_nowait("y")
    await asyncio.sleep(0)
    await asyncio.gather(*gs)
    for item in "abcd":
        asyncio.create_task(putter(item))
    await asyncio.sleep(0)
    print(f"{t()} qsize: {q.qsize()}, putters: {len(q._putters)}, full: {q.full()}")
    print(f"{t()} got {q.get_nowait()}")
    await asyncio.sleep(0)
    print(f"{t()} got {q.get_nowait()}, {q.get_nowait()}")
    q.shutdown()
    await asyncio.sleep(0)
    print(f"{t()} after shutdown: qsize {q.qsize()}")

    pq = asyncio.PriorityQueue()
    waiters = [asyncio.create_task(asyncio.wait_for(pq.get(), 5)) for _ in range(2)]
    await asyncio.sleep(1)
    pq.put_nowait((2, "low"))
    pq.put_nowait((1, "high"))
    print(f"{t()} woken: {[await w for w in waiters]}")
    g = asyncio.create_task(pq.get())
    await asyncio.sleep(0)
    pq.shutdown(immediate=True)
    try:
        await g
    except asyncio.QueueShutDown:
        print(f"{t()} getter shut down, empty: {pq.empty()}")

asyncio.run(main())
