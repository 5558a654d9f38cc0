# Condition.wait cancelled: (a) while waiting for a notification, and (b) notified, then
# cancelled before it runs: CPython re-takes the lock before the CancelledError leaves wait(),
# and passes the notification on to the next waiter.
import asyncio

async def main():
    loop = asyncio.get_running_loop()
    start = loop.time()
    def t():
        return f"{loop.time() - start:.0f}s"
    async def turn():
        for _ in range(3):
            await asyncio.sleep(0)
    cond = asyncio.Condition()

    async def waiter(name):
        async with cond:
            try:
                await cond.wait()
            except asyncio.CancelledError:
                print(f"{t()} {name} cancelled, holds the lock: {cond.locked()}")
                raise
            print(f"{t()} {name} notified")

    w1, w2, w3 = (asyncio.create_task(waiter(n), name=n) for n in ("w1", "w2", "w3"))
    await turn()
    w1.cancel()
    await turn()
    print(f"{t()} waiters: {len(cond._waiters)}, locked: {cond.locked()}")
    async with cond:
        cond.notify(1)
        w2.cancel()
    await turn()
    print(f"{t()} waiters: {len(cond._waiters)}, locked: {cond.locked()}")

asyncio.run(main())
