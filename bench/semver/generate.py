"""Writes N semantic versions, one a line, the same list for the same seed: releases, pre-releases (alpha, beta,
rc, numeric and long numeric identifiers) and build metadata, in a shuffled order. Used by bench/release.sh."""
import random
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 11)
out = []
for _ in range(n):
    v = f"{rng.randrange(0, 30)}.{rng.randrange(0, 60)}.{rng.randrange(0, 200)}"
    kind = rng.random()
    if kind < 0.45:
        tag = rng.choice(["alpha", "beta", "rc", "pre", "dev"])
        v += f"-{tag}.{rng.randrange(0, 40)}"
        if rng.random() < 0.2:
            v += f".{rng.randrange(0, 10**12)}"
    elif kind < 0.55:
        v += f"-{rng.randrange(0, 1000)}"
    if rng.random() < 0.3:
        v += f"+build.{rng.randrange(0, 10**6)}.sha-{rng.getrandbits(32):08x}"
    out.append(v)
sys.stdout.write("\n".join(out) + "\n")
