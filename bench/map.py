# A 200,000-entry map built with string keys, then read back by key.
def main():
    m = {}
    for i in range(200_000):
        m[f"key{i}"] = i
    total = 0
    for i in range(200_000):
        total += m[f"key{i}"]
    return total
print(main())
