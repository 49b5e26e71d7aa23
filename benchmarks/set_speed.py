"""Speed acceptance of scenario sets: a 3-scenario set with 10,000 draws runs within 1.5x the
time of one of its components with 10,000 draws (issue 12).

Medians of fresh processes (``python -m scenarios run ... --format json --no-record``, start-up
and price loading included), the set and the component interleaved so machine load hits both
alike; caches (store, calendars) warmed once first::

    SCENARIOS_PRICES=../shared/hkdata/prices python benchmarks/set_speed.py [--repeat 5]

Prints both medians and the ratio; exits 1 when the ratio exceeds the target (1.5).
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

ROOT = Path(__file__).resolve().parents[1]
TARGET = 1.5
PAIRS = {
    "tencent": ("examples/tencent_2026_set.yaml", "examples/tencent_feb_2026.yaml"),
    "us capex": ("examples/us_capex_2026_set.yaml", "examples/us_ai_capex_2026.yaml"),
}


def _time(path: str, env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "scenarios", "run", path, "--draws", "10000", "--format", "json",
                    "--no-record"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=True)
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    prices = os.environ.get("SCENARIOS_PRICES")
    if not prices:
        ap.error("set SCENARIOS_PRICES (e.g. ../shared/hkdata/prices)")
    env = {**os.environ, "SCENARIOS_PRICES": str(Path(prices).resolve()), "SCENARIOS_OFFLINE": "1",
           "SCENARIOS_HOME": tempfile.mkdtemp(prefix="set-speed-"), "PYTHONPATH": str(ROOT)}
    worst = 0.0
    for name, (set_file, component) in PAIRS.items():
        _time(set_file, env), _time(component, env)  # warm the store and calendar caches
        s_times, c_times = [], []
        for _ in range(args.repeat):
            s_times.append(_time(set_file, env))
            c_times.append(_time(component, env))
        s, c = statistics.median(s_times), statistics.median(c_times)
        worst = max(worst, s / c)
        print(f"{name:10s} set (3 components, 10,000 draws) {s:6.3f} s   one component (10,000 draws) "
              f"{c:6.3f} s   ratio {s / c:4.2f} (target <= {TARGET})")
    return 0 if worst <= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
