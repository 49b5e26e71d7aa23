"""Cost of the exact Shapley attribution (issue 11, item 3).

For n = 1..12 drivers on a 30-symbol universe (in-memory prices), times
``driver_attribution`` (all 2^n coalitions in one batched engine pass) against two references
measured in the same run: one noise-free path (``point_forecast``) and, up to n = 8, the naive
way (one engine pass per coalition). Medians of 5 repetitions; ratios are what to compare
across machines.

    python benchmarks/attribution.py
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from typing import Any

from scenarios.data.memory import flat_source
from scenarios.engine.noise_free import coalition_masks, driver_attribution, point_forecast
from scenarios.model import scenario_from_dict
from scenarios.model.resolved import resolve_scenario

SYMS = [f"{1000 + i:04d}.HK" for i in range(30)]
KINDS = [
    {"type": "earnings_growth", "per_symbol": True, "growth": {"dist": "normal", "mean": 0.08, "sd": 0.05}},
    {"type": "margin_change", "change": {"dist": "uniform", "low": -0.03, "high": 0.01}},
    {"type": "rerating", "change": {"dist": "triangular", "low": -0.2, "mode": -0.05, "high": 0.1}},
    {"type": "subsidy", "amount": {"dist": "triangular", "low": 1, "mode": 2, "high": 4}, "unit": "bn",
     "currency": "CNY"},
]


def _rs(n: int) -> Any:
    drivers = []
    for i in range(n):
        d = dict(KINDS[i % len(KINDS)])
        d["label"] = f"d{i}"
        d["symbols"] = SYMS[i % 3::3] if i >= len(KINDS) else SYMS
        drivers.append(d)
    data = {"name": "bench", "as_of": "2025-06-30", "horizon": "6M", "universe": SYMS, "currency": "HKD",
            "fx": {"CNYHKD": 1.1},
            "baseline": {s: {"currency": "CNY", "eps": 5.0, "shares": {"value": 5, "unit": "bn"},
                             "sales": {"value": 100, "unit": "bn"}, "tax_rate": 0.2} for s in SYMS},
            "drivers": drivers, "monte_carlo": {"draws": 1, "seed": 1}}
    return resolve_scenario(scenario_from_dict(data), source=flat_source({s: 100.0 for s in SYMS}))


def _median_time(fn: Any, reps: int = 5) -> float:
    out = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return statistics.median(out)


def main() -> None:
    print("| drivers | coalitions | attribution (batched) | one noise-free path | ratio | one pass per coalition |")
    print("|---|---|---|---|---|---|")
    for n in range(1, 13):
        rs = _rs(n)
        driver_attribution(rs)  # warm-up (imports, parameter means)
        t_attr = _median_time(lambda rs=rs: driver_attribution(rs))
        t_point = _median_time(lambda rs=rs: point_forecast(rs))
        naive = "-"
        if n <= 8:
            masks = coalition_masks(n)

            def loop(masks=masks, rs=rs) -> None:
                for m in masks:
                    kept = tuple(d for d, on in zip(rs.drivers, m, strict=True) if on)
                    point_forecast(dataclasses.replace(rs, drivers=kept))
            naive = f"{1e3 * _median_time(loop, 3):.1f} ms"
        print(f"| {n} | {1 << n:,} | {1e3 * t_attr:.1f} ms | {1e3 * t_point:.2f} ms | "
              f"{t_attr / t_point:.0f}x | {naive} |")


if __name__ == "__main__":
    main()
