# List comprehension-like work on 1,000,000 items: map and filter with small functions, a filtering loop.
def main():
    xs = list(range(1_000_000))
    squares = [x * x for x in xs]
    evens = [x for x in squares if x % 2 == 0]
    picked = [x + 1 for x in xs if x % 3 == 0]
    return sum(evens) + len(picked)
print(main())
