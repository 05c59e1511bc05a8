# A generator yielding ints, summed by a for loop.
def numbers(n):
    i = 0
    while i < n:
        yield i * 3 % 11
        i += 1


total = 0
for x in numbers(2000000):
    total += x
print(total)
