# A small class with __init__ and a method, instantiated and called in a loop.
class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def dot(self, other):
        return self.x * other.x + self.y * other.y


total = 0
origin = Point(3, 4)
i = 0
while i < 600000:
    p = Point(i, i % 10)
    total += p.dot(origin)
    i += 1
print(total)
