# shield: cancelling the awaiter leaves the shielded task running; cancelling the task itself
# still cancels it.
import asyncio

async def main():
    loop = asyncio.get_running_loop()
    start = loop.time()
    def t():
        return f"{loop.time() - start:.0f}s"

    async def work(name, d):
        try:
            await asyncio.sleep(d)
        except asyncio.CancelledError as e:
            print(f"{t()} {name} cancelled {e.args}")
            raise
        print(f"{t()} {name} finished")
        return name

    inner = asyncio.create_task(work("inner", 2), name="inner")
    async def waiter():
        try:
            return await asyncio.shield(inner)
        except asyncio.CancelledError as e:
            print(f"{t()} waiter cancelled {e.args}")
            raise
    w = asyncio.create_task(waiter(), name="waiter")
    await asyncio.sleep(1)
    w.cancel("go")
    try:
        await w
    except asyncio.CancelledError:
        print(f"{t()} waiter: cancelled {w.cancelled()}, inner done {inner.done()}")
    r = await inner
    print(f"{t()} inner: {r}")

    inner = asyncio.create_task(work("inner2", 2), name="inner2")
    w = asyncio.create_task(waiter(), name="waiter2")
    await asyncio.sleep(1)
    inner.cancel("inner itself")
    try:
        await w
    except asyncio.CancelledError as e:
        print(f"{t()} waiter2 sees {e.args}")

asyncio.run(main())
