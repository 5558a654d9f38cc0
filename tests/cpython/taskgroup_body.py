# A task running a TaskGroup, cancelled while the group's body still runs: the body sees the
# cancellation first, the group then cancels its children and waits for them, and only then
# does the cancellation leave the group.
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

    async def runner():
        try:
            async with asyncio.TaskGroup() as tg:
                tg.create_task(work("a", 5), name="a")
                tg.create_task(work("b", 5), name="b")
                try:
                    await asyncio.sleep(10)
                except asyncio.CancelledError as e:
                    print(f"{t()} body cancelled {e.args}")
                    raise
        except asyncio.CancelledError as e:
            print(f"{t()} runner cancelled {e.args}")
            raise
    r = asyncio.create_task(runner(), name="runner")
    await asyncio.sleep(1)
    r.cancel("stop")
    try:
        await r
    except asyncio.CancelledError as e:
        print(f"{t()} main sees {e.args}")

asyncio.run(main())
