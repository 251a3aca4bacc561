# String methods in a loop: records parsed with strip and split, tested with startswith, endswith, in and
# find, rewritten with replace and upper, and counted into a dict.
def main():
    names = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"]
    counts = {}
    total = 0
    for i in range(100_000):
        line = f" {names[i % 6]}={i % 7},{names[(i * 7) % 6]} "
        parts = line.strip().split("=")
        key = parts[0]
        fields = parts[1].split(",")
        if key.startswith("a") or key.endswith("ta"):
            total += 1
        if "ta" in fields[1]:
            total += fields[1].find("ta")
        total += len(key.replace("a", "xx")) + len(fields[1].upper())
        counts[fields[1]] = counts.get(fields[1], 0) + 1
    return total + counts["zeta"] + len(counts)
print(main())
