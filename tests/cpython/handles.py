# Task handles: cancel(msg) seen by the awaiter, cancelling()/uncancel() counts, done(),
# cancelled(), result(), a cancellation going down the awaits with its message.
import asyncio

async def main():
    loop = asyncio.get_running_loop()
    start = loop.time()
    def t():
        return f"{loop.time() - start:.0f}s"

    async def sleeper(name, d):
        try:
            await asyncio.sleep(d)
            print(f"{t()} {name} finished")
            return d
        except asyncio.CancelledError as e:
            print(f"{t()} {name} cancelled {e.args}")
            raise

    # The result, readable without taking it.
    a = asyncio.create_task(sleeper("a", 1), name="a")
    print(f"{t()} a done: {a.done()}")
    await a
    print(f"{t()} a done: {a.done()}, cancelled: {a.cancelled()}, result: {a.result()}")

    # cancel(msg) seen by whoever awaits; every request counts.
    b = asyncio.create_task(sleeper("b", 10), name="b")
    await asyncio.sleep(0)
    print(f"{t()} cancel: {b.cancel('stop')}, cancelling: {b.cancelling()}")
    print(f"{t()} cancel again: {b.cancel('other')}, cancelling: {b.cancelling()}")
    try:
        await b
    except asyncio.CancelledError as e:
        print(f"{t()} awaiter sees {e.args}, cancelled: {b.cancelled()}, cancel after: {b.cancel()}")

    # uncancel before the cancellation lands: the task runs on.
    c = asyncio.create_task(sleeper("c", 1), name="c")
    c.cancel()
    print(f"{t()} c cancelling: {c.cancelling()}, uncancel: {c.uncancel()}")
    r = await c
    print(f"{t()} c result: {r}, cancelled: {c.cancelled()}")

    # Two requests, one revoked: it is still cancelled.
    d = asyncio.create_task(sleeper("d", 1), name="d")
    d.cancel()
    d.cancel()
    print(f"{t()} d uncancel: {d.uncancel()}")
    try:
        await d
    except asyncio.CancelledError:
        print(f"{t()} d cancelled: {d.cancelled()}")

    # A cancellation goes down to the task awaited, with its message.
    async def parent(child):
        try:
            return await child
        except asyncio.CancelledError as e:
            print(f"{t()} parent cancelled {e.args}")
            raise

    child = asyncio.create_task(sleeper("child", 10), name="child")
    p = asyncio.create_task(parent(child), name="parent")
    await asyncio.sleep(1)
    p.cancel("down")
    try:
        await p
    except asyncio.CancelledError as e:
        print(f"{t()} main sees {e.args}, child cancelled: {child.cancelled()}, child cancelling: {child.cancelling()}")

asyncio.run(main())
