# wait: FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED, a timeout that cancels nothing, and
# as_completed in the order the tasks finish.
import asyncio

class Boom(Exception):
    pass

async def main():
    loop = asyncio.get_running_loop()
    start = loop.time()
    def t():
        return f"{loop.time() - start:.0f}s"

    async def work(name, d, fail=False):
        try:
            await asyncio.sleep(d)
        except asyncio.CancelledError as e:
            print(f"{t()} {name} cancelled {e.args}")
            raise
        if fail:
            print(f"{t()} {name} fails")
            raise Boom(name)
        print(f"{t()} {name} finished")
        return name

    def tasks(*specs):
        return [asyncio.create_task(work(*s), name=s[0]) for s in specs]

    def names(ts):
        return sorted(x.get_name() for x in ts)

    ts = tasks(("a", 2), ("b", 1), ("c", 3))
    done, pending = await asyncio.wait(ts, return_when=asyncio.FIRST_COMPLETED)
    print(f"{t()} first completed: {names(done)}, pending: {names(pending)}")
    done, pending = await asyncio.wait(ts, return_when=asyncio.ALL_COMPLETED)
    print(f"{t()} all completed: {names(done)}, pending: {names(pending)}")

    ts = tasks(("d", 1), ("e", 2, True), ("f", 3))
    done, pending = await asyncio.wait(ts, return_when=asyncio.FIRST_EXCEPTION)
    print(f"{t()} first exception: {names(done)}, pending: {names(pending)}")
    done, pending = await asyncio.wait(ts, timeout=0.4)
    print(f"{t()} timed out: {names(done)}, pending: {names(pending)}, f cancelled: {ts[2].cancelled()}")
    await ts[2]

    # Already done: wait still suspends once, and other ready tasks run first.
    async def other():
        print(f"{t()} other runs")
    asyncio.create_task(other())
    done, pending = await asyncio.wait(ts[:1])
    print(f"{t()} done already: {names(done)}")

    order = []
    for task in asyncio.as_completed(tasks(("g", 3), ("h", 1), ("i", 2))):
        order.append(await task)
    print(f"{t()} as completed: {order}")

asyncio.run(main())
