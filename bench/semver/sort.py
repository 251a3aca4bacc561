"""The peer of `platflow semver sort --file FILE`: Python's semver package (PyPI) sorting the same list."""
import sys

import semver

with open(sys.argv[1]) as f:
    versions = [line.rstrip("\n") for line in f if line.strip()]
out = sorted(versions, key=semver.Version.parse)
sys.stdout.write("\n".join(out) + "\n")
