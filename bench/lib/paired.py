#!/usr/bin/env python3
"""Times whole processes, pair by pair: command A and command B in turn (A B A B ...), each run's wall clock,
CPU time (user + sys) and peak memory from the kernel's accounting of the finished child, then the minimum,
median and maximum of each figure and of the ratio A/B taken pair by pair (so a drift in the machine's speed
moves both sides of a pair alike). Prints figures only; never judges them.

    paired.py [-n RUNS] [--warmup N] [--timeout SECONDS] [--vs 'COMMAND B'] -- COMMAND A [ARG ...]

Without --vs, A alone is timed. Output is thrown away (redirect inside the command to keep it)."""
import os, shlex, statistics, sys, time

def usage(msg):
    print(f"paired.py: {msg}\n{__doc__}", file=sys.stderr)
    sys.exit(2)

def parse(argv):
    runs, warmup, timeout, vs = 5, 1, 600.0, None
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            cmd = argv[i + 1:]
            break
        if a in ("-n", "--warmup", "--timeout", "--vs") and i + 1 < len(argv):
            v = argv[i + 1]
            if a == "-n": runs = int(v)
            elif a == "--warmup": warmup = int(v)
            elif a == "--timeout": timeout = float(v)
            else: vs = shlex.split(v)
            i += 2
            continue
        usage(f"unknown argument {a!r}")
    else:
        usage("no command after --")
    if not cmd: usage("no command after --")
    if runs < 1: usage("-n must be at least 1")
    return runs, warmup, timeout, vs, cmd

def run_once(cmd, deadline):
    """One run of cmd: (wall s, cpu s, peak MiB of its largest process, exit code). posix_spawn, not fork, so
    the child's peak memory is its own and not a copy of this script's."""
    devnull = os.open(os.devnull, os.O_RDWR)
    start = time.monotonic()
    try:
        pid = os.posix_spawnp(cmd[0], cmd, dict(os.environ),
                              file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)])
    finally:
        os.close(devnull)
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done: break
        if time.monotonic() > deadline:
            os.kill(pid, 9); os.wait4(pid, 0)
            raise TimeoutError
        time.sleep(0.001)
    wall = time.monotonic() - start
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)

def row(name, values, fmt):
    return f"  {name:<14}" + "  ".join(fmt(v) for v in (min(values), statistics.median(values), max(values)))

def main():
    runs, warmup, timeout, vs, cmd = parse(sys.argv[1:])
    deadline = time.monotonic() + timeout
    sides = [("A", cmd)] + ([("B", vs)] if vs else [])
    for name, c in sides:
        print(f"{name}: {shlex.join(c)}")
    results = {name: [] for name, _ in sides}
    codes = {name: set() for name, _ in sides}
    try:
        for i in range(warmup + runs):
            for name, c in sides:
                r = run_once(c, deadline)
                if i >= warmup:
                    results[name].append(r)
                    codes[name].add(r[3])
    except TimeoutError:
        print(f"stopped at the {timeout:.0f} s bound; figures of the finished runs follow")
    seconds = lambda v: f"{v:9.4f}"
    print(f"{len(results['A'])} counted runs each (min, median, max)")
    for name, _ in sides:
        rs = results[name]
        if not rs: continue
        print(f"{name}: exit codes {sorted(codes[name])}")
        print(row("wall s", [r[0] for r in rs], seconds))
        print(row("cpu s", [r[1] for r in rs], seconds))
        print(row("peak MiB", [r[2] for r in rs], lambda v: f"{v:9.1f}"))
    floor = run_once(["true"], time.monotonic() + 10)[2]
    print(f"(a peak below {floor:.1f} MiB shows as {floor:.1f}: the kernel counts this timer's own memory into a spawned child's peak)")
    if vs and results["A"] and results["B"]:
        pairs = list(zip(results["A"], results["B"]))
        print("A/B, pair by pair:")
        print(row("wall ratio", [a[0] / b[0] for a, b in pairs if b[0] > 0], lambda v: f"{v:9.3f}"))
        print(row("cpu ratio", [a[1] / b[1] for a, b in pairs if b[1] > 0], lambda v: f"{v:9.3f}"))

if __name__ == "__main__":
    main()
