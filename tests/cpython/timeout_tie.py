# A deadline and the timer of the task it awaits, due at one instant, the task's timer
# scheduled first: the deadline still wins, as the task only runs after every due handle (the
# deadline's included) has run, and the deadline's handle cancels it.
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

    d = asyncio.create_task(work("d", 1), name="d")
    await asyncio.sleep(0)
    try:
        async with asyncio.timeout(1):
            await d
        print(f"{t()} d in time")
    except TimeoutError:
        print(f"{t()} d timed out, d cancelled: {d.cancelled()}")


asyncio.run(main())
