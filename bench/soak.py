# Soak: ten million task lifecycles (create, sleep(0), finish) in batches of 10,000.
# After each million it prints a line; bench/soak samples the interpreter's RSS then.
# Runs unchanged under aio and python3.
import asyncio

BATCH = 10_000


async def job():
    await asyncio.sleep(0)


async def main():
    for million in range(1, 11):
        for _ in range(1_000_000 // BATCH):
            tasks = [asyncio.create_task(job()) for _ in range(BATCH)]
            for t in tasks:
                await t
        print("million", million, flush=True)


asyncio.run(main())
