# Build a text of a million words from a fixed vocabulary (index arithmetic, no random),
# count the words in a dict, sort by descending count then word, print the top entries.
VOCAB = [
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
    "india", "juliet", "kilo", "lima", "mike", "november", "oscar", "papa",
    "quebec", "romeo", "sierra", "tango", "uniform", "victor", "whiskey", "xray",
    "yankee", "zulu", "asyncio", "await", "coroutine", "task", "future", "loop",
]

N = 1000000
n = len(VOCAB)
words = []
for i in range(N):
    words.append(VOCAB[(i * i + 7 * i) % 97 % n])
text = " ".join(words)

counts = {}
for w in text.split():
    if w in counts:
        counts[w] += 1
    else:
        counts[w] = 1

ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
print(len(text), " ".join(f"{w}:{c}" for w, c in ranked[:8]))
