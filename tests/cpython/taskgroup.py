# TaskGroup: the scope waits for its children; a failing child cancels the others and the
# body, and every error comes back together; cancelling the task running the group cancels
# the children.
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

    async with asyncio.TaskGroup() as tg:
        a = tg.create_task(work("a", 2), name="a")
        b = tg.create_task(work("b", 1), name="b")
        print(f"{t()} body done")
    print(f"{t()} group done: {a.result()}, {b.result()}")

    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(work("c", 1, True), name="c")
            tg.create_task(work("d", 1, True), name="d")
            tg.create_task(work("e", 5), name="e")
            try:
                await asyncio.sleep(10)
                print(f"{t()} body finished")
            except asyncio.CancelledError:
                print(f"{t()} body cancelled")
                raise
    except* Boom as eg:
        print(f"{t()} errors: {[e.args[0] for e in eg.exceptions]}")

    async def runner():
        try:
            async with asyncio.TaskGroup() as tg:
                tg.create_task(work("f", 5), name="f")
                tg.create_task(work("g", 5), name="g")
            print(f"{t()} runner finished")
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
