import asyncio

async def main():
    loop = asyncio.get_running_loop()
    start = loop.time()
    lock = asyncio.Lock()
    await lock.acquire()
    # The hand-off and the deadline fall at one instant: `when`.
    when = start + 1

    async def holder():
        at = loop.create_future()
        loop.call_at(when, at.set_result, None)
        await at
        print(f"{loop.time() - start:.0f}s holder releases")
        lock.release()

    async def waiter():
        try:
            async with asyncio.timeout_at(when):
                await lock.acquire()
            print(f"{loop.time() - start:.0f}s waiter acquired")
            lock.release()
        except TimeoutError:
            print(f"{loop.time() - start:.0f}s waiter timed out, lock locked: {lock.locked()}")

    h = asyncio.create_task(holder(), name="holder")
    w = asyncio.create_task(waiter(), name="waiter")
    await h
    await w
    print(f"{loop.time() - start:.0f}s lock locked: {lock.locked()}")

asyncio.run(main())
