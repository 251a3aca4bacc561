#!/usr/bin/env bash
# Differential check of the semver module against npm's own `semver` package (the copy bundled with npm, so
# nothing is downloaded): random ranges in npm's grammar against random versions (satisfies), and random version
# pairs (compare), the same inputs through both, every answer compared. Needs node and npm; skips without them.
# Ranges stay inside what both accept: numbers below 2^53, no `v`, no qualifier on an X-range (see the `semver`
# section of docs/builtins.md for where platflow is stricter). One known difference is counted apart: npm reduces
# a range with an alternative that admits any release (`*`, `^*`, `>=*`...) to that alternative alone, so
# `* || 1.0.0-beta.0` refuses 1.0.0-beta.0; platflow keeps every alternative, as the documented rule says.
#   PAIRS=20000 SEED=7 scripts/semver-crosscheck.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then echo "node or npm missing: skipped"; exit 0; fi
npm_semver="$(npm root -g)/npm/node_modules/semver"
[ -f "$npm_semver/package.json" ] || { echo "npm's bundled semver not found at $npm_semver: skipped"; exit 0; }
swift build --product platflow >/dev/null
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
PAIRS="${PAIRS:-20000}" SEED="${SEED:-7}" python3 - "$work" <<'PY'
import json, os, random, sys
work = sys.argv[1]
rng = random.Random(int(os.environ["SEED"]))
n = int(os.environ["PAIRS"])
def num(): return str(rng.choice([0, 0, 1, 1, 2, 3, 10]))
def ident(): return rng.choice(["alpha", "beta", "rc", "0", "1", "2", "11", "9", "x-1", "A", "a", "-", "0a", "10"])
def pre(k=2): return ".".join(ident() for _ in range(rng.randint(1, k)))
def version():
    v = f"{num()}.{num()}.{num()}"
    if rng.random() < 0.4: v += "-" + pre(4)
    if rng.random() < 0.15: v += "+" + rng.choice(["b", "001", "x.y"])
    return v
def partial():
    parts = []
    for _ in range(rng.randint(1, 3)):
        wild = (parts and parts[-1] in "xX*") or rng.random() < 0.15
        parts.append(rng.choice(["x", "X", "*"]) if wild else num())
    s = ".".join(parts)
    if len(parts) == 3 and not any(p in "xX*" for p in parts) and rng.random() < 0.3: s += "-" + pre()
    return s
def simple(): return rng.choice(["", "", "^", "~", ">", ">=", "<", "<=", "=", ">= "]) + partial()
def vrange():
    alts = []
    for _ in range(rng.randint(1, 3)):
        alts.append(f"{partial()} - {partial()}" if rng.random() < 0.15 else " ".join(simple() for _ in range(rng.randint(1, 3))))
    return " || ".join(alts)
sat = [[vrange(), version()] for _ in range(n)]
cmp = [[version(), version()] for _ in range(n)]
json.dump({"sat": sat, "cmp": cmp}, open(f"{work}/cases.json", "w"))
with open(f"{work}/check.plat", "w") as f:
    f.write("let sat = " + json.dumps(sat) + "\nlet cmp = " + json.dumps(cmp) + "\n")
    f.write("for p in sat { print(semver.satisfies(p[1], p[0])) }\nfor p in cmp { print(semver.compare(p[0], p[1])) }\n")
PY
.build/debug/platflow run "$work/check.plat" > "$work/platflow.txt" 2>/dev/null
NPM_SEMVER="$npm_semver" WORK="$work" node -e '
const semver = require(process.env.NPM_SEMVER);
const fs = require("fs");
const cases = JSON.parse(fs.readFileSync(process.env.WORK + "/cases.json"));
const ours = fs.readFileSync(process.env.WORK + "/platflow.txt", "utf8").trim().split("\n");
const npm = cases.sat.map(([r, v]) => String(semver.satisfies(v, r)))
  .concat(cases.cmp.map(([a, b]) => String(semver.compare(a, b))));
const inputs = cases.sat.map(([r, v]) => `satisfies ${v} "${r}"`).concat(cases.cmp.map(([a, b]) => `compare ${a} ${b}`));
// npm keeps only an "any release" alternative when there is one (see the header): not a fault here.
const collapses = ([r, v]) => semver.prerelease(v) !== null && r.split("||").length > 1 &&
  r.split("||").some(alt => new semver.Range(alt).range === "");
let bad = 0, known = 0;
npm.forEach((answer, i) => {
  if (answer === ours[i]) return;
  if (i < cases.sat.length && collapses(cases.sat[i])) { known++; return; }
  bad++;
  if (bad <= 20) console.log(`${inputs[i]}: platflow ${ours[i]}, npm ${answer}`);
});
const satisfied = npm.slice(0, cases.sat.length).filter(a => a === "true").length;
console.log(`npm semver ${require(process.env.NPM_SEMVER + "/package.json").version}: ${cases.sat.length} satisfies ` +
  `(${satisfied} true), ${cases.cmp.length} compare, ${bad} disagreements, ${known} from npm keeping only an ` +
  `"any release" alternative`);
process.exit(bad ? 1 : 0);'
