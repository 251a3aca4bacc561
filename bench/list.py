# Build a 1,000,000-element list with append, then sum it.
def main():
    xs = []
    for i in range(1_000_000):
        xs.append(i)
    return sum(xs)
print(main())
