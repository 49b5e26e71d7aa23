"""Time to run 10,000-draw scenarios on the real snapshot, cold (first read of the prices) and
warm (prices cached in the source), against a reference measured in the same run: reading the
same baseline closes through a PriceView alone.

Usage: ``SCENARIOS_PRICES=../shared/hkdata/prices python benchmarks/engine_10k.py [FILES...]``
(default: the test fixture and every ``examples/*.yaml``). Times are wall seconds, best of 3
for the warm runs.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> None:
    if not os.environ.get("SCENARIOS_PRICES"):
        sys.exit("set SCENARIOS_PRICES to the snapshot's prices folder")
    os.environ.setdefault("SCENARIOS_OFFLINE", "1")
    os.environ["SCENARIOS_HOME"] = tempfile.mkdtemp(prefix="scenarios_bench_")  # cold store

    t0 = time.perf_counter()
    from scenarios.data import default_source
    from scenarios.data.view import PriceView
    from scenarios.engine import run_scenario
    from scenarios.model import expand_grid, load_scenario, resolve_universe
    t_import = time.perf_counter() - t0

    files = [Path(a) for a in argv] or [ROOT / "tests/model/fixtures/tencent_small.yaml",
                                        *sorted((ROOT / "examples").glob("*.yaml"))]
    print(f"imports: {t_import:.2f} s")
    print(f"{'scenario':60s} {'symbols':>7s} {'cold s':>7s} {'warm s':>7s} {'read s':>7s} {'warm/read':>9s}")
    for f in files:
        scenario = expand_grid(load_scenario(f))[0]
        source = default_source()
        t = time.perf_counter()
        run_scenario(scenario, source=source, draws=10_000)
        cold = time.perf_counter() - t
        warm = min(_timed(lambda scenario=scenario, source=source: run_scenario(scenario, source=source, draws=10_000))
                   for _ in range(3))

        def read(scenario=scenario, source=source) -> None:
            view = PriceView(source, scenario.as_of)
            for s in resolve_universe(scenario) + list(scenario.benchmarks):
                view.last_close(s)

        reading = min(_timed(read) for _ in range(3))
        n = len(resolve_universe(scenario))
        print(f"{scenario.name[:60]:60s} {n:7d} {cold:7.3f} {warm:7.3f} {reading:7.3f} {warm / reading:9.1f}")


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


if __name__ == "__main__":
    main(sys.argv[1:])
