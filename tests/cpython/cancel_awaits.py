# Cancellation at every await of each primitive, in both cancellable states: (a) waiting, and
# (b) woken but not yet run (its hand-off must pass to the next waiter).
import asyncio

async def main():
    loop = asyncio.get_running_loop()
    start = loop.time()
    def t():
        return f"{loop.time() - start:.0f}s"
    async def turn():
        for _ in range(3):
            await asyncio.sleep(0)

    def waiter(name, aw, after=None):
        async def run():
            try:
                r = await aw()
            except asyncio.CancelledError:
                print(f"{t()} {name} cancelled")
                raise
            print(f"{t()} {name} got {r}")
            if after:
                after()
        return asyncio.create_task(run(), name=name)

    # Lock.acquire
    lock = asyncio.Lock()
    await lock.acquire()
    w1, w2, w3 = (waiter(n, lock.acquire, lock.release) for n in ("lock-w1", "lock-w2", "lock-w3"))
    await turn()
    w1.cancel()
    await turn()
    print(f"{t()} lock waiters: {len(lock._waiters)}")
    lock.release()
    w2.cancel()
    await turn()
    print(f"{t()} lock locked: {lock.locked()}, waiters: {len(lock._waiters)}")

    # Semaphore.acquire (and BoundedSemaphore's, the same)
    for sem in (asyncio.Semaphore(0), asyncio.BoundedSemaphore(1)):
        kind = type(sem).__name__
        if sem._value:
            await sem.acquire()
        w1, w2, w3 = (waiter(f"{kind}-w{i}", sem.acquire, sem.release) for i in (1, 2, 3))
        await turn()
        w1.cancel()
        await turn()
        sem.release()
        w2.cancel()
        await turn()
        print(f"{t()} {kind} value: {sem._value}, locked: {sem.locked()}")

    # Event.wait
    ev = asyncio.Event()
    w1, w2 = (waiter(n, ev.wait) for n in ("event-w1", "event-w2"))
    await turn()
    w1.cancel()
    await turn()
    ev.set()
    await turn()
    print(f"{t()} event waiters: {len(ev._waiters)}")

    # Barrier.wait
    barrier = asyncio.Barrier(2)
    w1 = waiter("barrier-w1", barrier.wait)
    await turn()
    w1.cancel()
    await turn()
    print(f"{t()} barrier n_waiting: {barrier.n_waiting}, broken: {barrier.broken}")

    # Queue.get, Queue.put, Queue.join
    q = asyncio.Queue(maxsize=1)
    g1, g2 = (waiter(n, q.get) for n in ("get-w1", "get-w2"))
    await turn()
    q.put_nowait("item")
    g1.cancel()
    await turn()
    print(f"{t()} queue qsize: {q.qsize()}, getters: {len(q._getters)}")
    q.put_nowait("full")
    p1 = waiter("put-w1", lambda: q.put("p1"))
    p2 = waiter("put-w2", lambda: q.put("p2"))
    await turn()
    p1.cancel()
    await turn()
    print(f"{t()} got {q.get_nowait()}")
    await turn()
    print(f"{t()} queue qsize: {q.qsize()}, putters: {len(q._putters)}")
    j = waiter("join-w1", q.join)
    await turn()
    j.cancel()
    await turn()
    print(f"{t()} unfinished: {q._unfinished_tasks}")

asyncio.run(main())
