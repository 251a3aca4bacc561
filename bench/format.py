# String building: 200,000 interpolated lines joined, then 100,000 appends of interpolated text.
def main():
    lines = []
    for i in range(200_000):
        lines.append(f"item {i}: {i * 2}")
    text = "\n".join(lines)
    digits = ""
    for i in range(100_000):
        digits += f"{i % 10}"
    return len(text) + len(digits)
print(main())
