"""Is ``scenarios run`` (and ``scenarios --help``) as fast as in a reference checkout?

Medians of fresh processes (start-up included), the reference and the candidate interleaved in
the same run so that machine load hits both alike::

    git worktree add --detach ../wt-base 1686d0f
    SCENARIOS_PRICES=../shared/hkdata/prices python benchmarks/cli_run_speed.py --reference ../wt-base

Prints the medians and the candidate/reference ratio for each command.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMANDS = {
    "--help": ["--help"],
    "run": ["run", "examples/tencent_feb_2026.yaml", "--format", "json", "--no-record"],
    "run (grid, 3 points)": ["run", "examples/deepseek_rally_feb_2025.yaml", "--format", "json", "--no-record"],
}


def _time(root: Path, args: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "scenarios", *args], cwd=root, env={**env, "PYTHONPATH": str(root)},
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reference", type=Path, required=True)
    ap.add_argument("--candidate", type=Path, default=Path(__file__).resolve().parents[1])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    prices = os.environ.get("SCENARIOS_PRICES")
    if not prices:
        ap.error("set SCENARIOS_PRICES (e.g. ../shared/hkdata/prices)")
    env = {**os.environ, "SCENARIOS_PRICES": str(Path(prices).resolve()), "SCENARIOS_OFFLINE": "1",
           "SCENARIOS_HOME": tempfile.mkdtemp(prefix="run-speed-")}
    for name, cmd in COMMANDS.items():
        _time(args.reference, cmd, env), _time(args.candidate, cmd, env)  # warm caches (store, calendars)
        ref, cand = [], []
        for _ in range(args.repeat):
            ref.append(_time(args.reference, cmd, env))
            cand.append(_time(args.candidate, cmd, env))
        r, c = statistics.median(ref), statistics.median(cand)
        print(f"{name:24s} reference {r:6.3f} s  candidate {c:6.3f} s  ratio {c / r:5.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
