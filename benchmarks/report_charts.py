"""Fan-chart drawing time: the report's fixed-margin layout vs matplotlib's constrained layout.

Run: ``python benchmarks/report_charts.py``. Prints seconds per chart (CPU) for both and their
ratio, measured in the same run on the same synthetic data (no price files needed).
"""

from __future__ import annotations

import datetime as dt
import time

import numpy as np

from scenarios.report import charts
from scenarios.report.model import FanChartData


def _fan(seed: int) -> FanChartData:
    rng = np.random.default_rng(seed)
    days = [dt.date(2025, 1, 1) + dt.timedelta(days=i) for i in range(180)]
    hist = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, len(days))))
    real_days = [dt.date(2025, 6, 30) + dt.timedelta(days=i) for i in range(1, 180)]
    real = hist[-1] * np.exp(np.cumsum(rng.normal(0, 0.02, len(real_days))))
    draws = hist[-1] * np.exp(rng.normal(0.05, 0.2, 4000))
    return FanChartData.from_draws("TEST.HK", dt.date(2025, 6, 30), dt.date(2025, 12, 27), float(hist[-1]),
                                   draws, realized_return=float(real[-1] / hist[-1] - 1),
                                   history_dates=days, history_prices=hist,
                                   realized_dates=real_days, realized_prices=real)


def _time(n: int) -> float:
    fans = [_fan(i) for i in range(n)]
    t = time.process_time()
    for i, f in enumerate(fans):
        charts.to_svg(charts.fan_chart(f), f"fan-{i}")
    return (time.process_time() - t) / n


def main(n: int = 12) -> None:
    _time(1)  # warm caches (fonts, imports)
    fixed = _time(n)
    original = charts._figure

    def constrained(width: float, height: float, margins: object = None):  # the reference
        return original(width, height, None)

    charts._figure = constrained
    try:
        reference = _time(n)
    finally:
        charts._figure = original
    print(f"fan chart to SVG, {n} charts: fixed layout {fixed * 1000:.0f} ms/chart, "
          f"constrained layout {reference * 1000:.0f} ms/chart, speed-up x{reference / fixed:.2f}")


if __name__ == "__main__":
    main()
