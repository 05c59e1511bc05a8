# A while loop of integer arithmetic into an accumulator.
total = 0
i = 0
while i < 2000000:
    total = (total + i * 7 - (i % 13)) % 1000000007
    i += 1
print(total)
