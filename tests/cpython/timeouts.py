# wait_for, timeout and timeout_at scopes; a deadline racing a completion at the same instant
# (the deadline wins: its handle was scheduled first); a timeout cancelling the task it awaits.
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

    r = await asyncio.wait_for(work('a', 1), 2)
    print(f"{t()} wait_for: {r}")
    try:
        await asyncio.wait_for(work("b", 5), 1)
    except TimeoutError:
        print(f"{t()} b timed out")

    # The same instant: the deadline was scheduled before the sleep.
    try:
        async with asyncio.timeout(1):
            await work("c", 1)
        print(f"{t()} c in time")
    except TimeoutError:
        print(f"{t()} c timed out")

    try:
        async with asyncio.timeout_at(loop.time() + 2):
            await work("e", 3)
    except TimeoutError:
        print(f"{t()} e timed out at the deadline")

    async with asyncio.timeout(5):
        r = await work("f", 1)
    print(f"{t()} f: {r}")

asyncio.run(main())
