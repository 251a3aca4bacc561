# Method calls on maps and lists in a loop: counting words with m.get, membership with xs.contains, len.
def main():
    counts = {}
    names = ["alpha", "beta", "gamma", "delta", "epsilon"]
    total = 0
    for i in range(300_000):
        k = names[i % 5]
        counts[k] = counts.get(k, 0) + 1
        if k in names:
            total += len(k)
    return total + counts["beta"] + len(counts.keys())
print(main())
