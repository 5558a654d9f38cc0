# Loop callbacks: call_soon lands at the tail of the ready queue; call_later/call_at run with
# the timers due with them, before the tasks those timers wake; a cancelled handle never runs.
import asyncio

async def main():
    loop = asyncio.get_running_loop()
    start = loop.time()
    def t():
        return f"{loop.time() - start:.0f}s"
    event = asyncio.Event()

    async def task(name):
        print(f"{t()} {name} runs")

    asyncio.create_task(task("a"))
    loop.call_soon(print, f"{t()} soon 1")
    asyncio.create_task(task("b"))
    loop.call_soon(print, f"{t()} soon 2")
    await asyncio.sleep(0)
    print(f"{t()} main after yield")

    async def sleeper(name, d):
        await asyncio.sleep(d)
        print(f"{t()} {name} woke")

    async def waiter():
        await event.wait()
        print(f"{t()} waiter woke")

    asyncio.create_task(sleeper("s1", 1))
    asyncio.create_task(waiter())
    await asyncio.sleep(0)
    loop.call_later(1, lambda: (print(f"{t()} later sets the event"), event.set()))
    asyncio.create_task(sleeper("s2", 1))
    h = loop.call_later(1, print, "cancelled: never printed")
    h.cancel()
    loop.call_at(start + 2, print, "at 2s")
    await asyncio.sleep(3)
    print(f"{t()} main done")

asyncio.run(main())
