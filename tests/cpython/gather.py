# gather: results in the order given; the first failure ends it while the others run on;
# return_exceptions collects failures and cancellations; cancelling the gather cancels the
# children that still run, then the awaiter.
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

    r = await asyncio.gather(*tasks(("a", 2), ("b", 1), ("c", 3)))
    print(f"{t()} gather: {r}")

    ts = tasks(("d", 2), ("e", 1, True), ("f", 3))
    try:
        await asyncio.gather(*ts)
    except Boom as e:
        print(f"{t()} gather raised {e.args}, d done: {ts[0].done()}, f done: {ts[2].done()}")
    await asyncio.sleep(3)
    print(f"{t()} d: {ts[0].result()}, f: {ts[2].result()}")

    ts = tasks(("g", 1), ("h", 2, True), ("i", 5))
    async def cancel_i():
        await asyncio.sleep(3)
        ts[2].cancel("no i")
    asyncio.create_task(cancel_i())
    r = await asyncio.gather(*ts, return_exceptions=True)
    # (A cancelled child shows without its message: CPython's gather keeps only the task's own
    # _cancel_message, which a cancellation passed on to the awaited sleep leaves unset.)
    def show(x):
        if isinstance(x, asyncio.CancelledError):
            return "CancelledError"
        if isinstance(x, BaseException):
            return type(x).__name__ + str(x.args)
        return x
    print(f"{t()} settled: {[show(x) for x in r]}")

    async def gatherer():
        try:
            await asyncio.gather(*tasks(("j", 5), ("k", 1), ("l", 5)))
        except asyncio.CancelledError as e:
            print(f"{t()} gatherer cancelled {e.args}")
            raise
    g = asyncio.create_task(gatherer(), name="gatherer")
    await asyncio.sleep(2)
    g.cancel("enough")
    try:
        await g
    except asyncio.CancelledError as e:
        print(f"{t()} main sees {e.args}")

    r = await asyncio.gather()
    print(f"{t()} empty gather: {r}")

asyncio.run(main())
