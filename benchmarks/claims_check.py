"""``scenarios claims check`` end to end vs the import floor, measured in the same run.

The target is under 3 s for the whole file, offline. Times (best of ``--repeat``, each a fresh
process, wall clock and child CPU) in a temporary SCENARIOS_HOME:

1. floor: ``python -c "import pandas, pydantic, typer, rich"`` (what any check must import);
2. ``scenarios claims check`` (table) with a cold store (first run imports the CSVs);
3. the same with the warmed store;
4. ``scenarios claims check --format json`` with the warmed store.

Prints each time and its ratio to the floor. On a busy machine wall times inflate: compare
the CPU column. Run:

    SCENARIOS_PRICES=../shared/hkdata/prices python benchmarks/claims_check.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def best(cmd: list[str], env: dict[str, str], repeat: int) -> tuple[float, float]:
    runs = [run(cmd, env) for _ in range(repeat)]
    return min(r[0] for r in runs), min(r[1] for r in runs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if not os.environ.get("SCENARIOS_PRICES"):
        sys.exit("set SCENARIOS_PRICES to the snapshot folder")
    cli = [sys.executable, "-m", "scenarios", "claims", "check"]
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, SCENARIOS_HOME=home, SCENARIOS_OFFLINE="1")
        floor = best([sys.executable, "-c", "import pandas, pydantic, typer, rich"], env, args.repeat)
        cold = run(cli, env)
        warm = best(cli, env, args.repeat)
        js = best(cli + ["--format", "json"], env, args.repeat)
    print(f"{'what':38s} {'wall s':>7s} {'cpu s':>7s} {'x floor (cpu)':>14s}")
    for name, (wall, cpu) in [("import floor (pandas, pydantic, typer)", floor),
                              ("claims check, cold store", cold),
                              ("claims check, warm store", warm),
                              ("claims check --format json, warm", js)]:
        print(f"{name:38s} {wall:7.2f} {cpu:7.2f} {cpu / floor[1]:14.2f}")
    print(f"target: under 3 s wall; load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
