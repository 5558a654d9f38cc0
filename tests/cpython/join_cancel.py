import asyncio

async def main():
    loop = asyncio.get_running_loop()
    start = loop.time()

    async def child():
        try:
            await asyncio.sleep(10)
            print("child finished")
        except asyncio.CancelledError:
            print(f"{loop.time() - start:.0f}s child cancelled")
            raise

    async def parent(c):
        try:
            await c
            print("parent finished")
        except asyncio.CancelledError:
            print(f"{loop.time() - start:.0f}s parent cancelled")
            raise

    c = asyncio.create_task(child(), name="child")
    p = asyncio.create_task(parent(c), name="parent")
    await asyncio.sleep(1)
    p.cancel()
    try:
        await p
    except asyncio.CancelledError:
        pass
    print(f"{loop.time() - start:.0f}s child cancelled: {c.cancelled()}, parent cancelled: {p.cancelled()}")

    async def detached():
        await asyncio.sleep(2)
        print(f"{loop.time() - start:.0f}s detached finished")

    d = asyncio.create_task(detached(), name="detached")
    del d  # nobody awaits it: it runs on
    await asyncio.sleep(3)
    print(f"{loop.time() - start:.0f}s main done")

asyncio.run(main())
