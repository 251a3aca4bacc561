# Joining 200,000 strings.
def main():
    parts = []
    for i in range(200_000):
        parts.append(str(i))
    joined = ",".join(parts)
    return len(joined)
print(main())
