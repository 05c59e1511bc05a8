# One coroutine awaiting a trivial coroutine millions of times under asyncio.run.
import asyncio


async def leaf(x):
    return x + 1


async def main():
    total = 0
    for i in range(3000000):
        total += await leaf(i & 7)
    return total


print(asyncio.run(main()))
