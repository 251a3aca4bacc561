# A while loop summing 1..10,000,000: statement dispatch and integer arithmetic.
def main():
    total = 0
    i = 1
    while i <= 10_000_000:
        total += i
        i += 1
    return total
print(main())
