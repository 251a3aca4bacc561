# 200,000 string appends.
def main():
    s = ""
    for i in range(200_000):
        s += "x"
    return len(s)
print(main())
