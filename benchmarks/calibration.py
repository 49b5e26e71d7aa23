"""Calibration of the market noise: which volatility model and which centring make honest bands.

For every example with a ``monte_carlo.residual`` (the variants that only ``extends`` one of them
are left out: they repeat the same symbols and windows) the walk-forward of
``scenarios backtest FILE --roll quarterly --from 2021-01-01 --to 2025-12-31`` is run once per
volatility model (``history``, ``ewma``, ``garch``) and centring (``median``, ``mean``), with
everything else as the file has it, on the price snapshot. Windows whose horizon is past the
data, or whose ``as_of`` the engine cannot run (a stock not listed yet, no fundamentals), are
not scored; that is "where the data allows".

Per configuration it prints

* **coverage** of the 5%-95% band (nominal 90%) pooled over every scored (window, symbol) pair
  of every example, the equal-weight mean of the examples' coverages, and each example's own;
* the **binomial 95% interval** of each example's coverage under the nominal 90%, for ``n`` =
  its number of NON-overlapping windows (scored windows divided by the roll steps a horizon
  spans, rounded down): ``[F^-1(0.025), F^-1(0.975)] / n`` of Binomial(n, 0.9). A cross-section
  counts once per window, which is conservative (its names move together); the pooled interval
  adds the examples' ``n``;
* the **PIT KS statistic**: the Kolmogorov-Smirnov distance between the pooled PIT values and the
  uniform distribution (0 = perfectly uniform; a hump-shaped PIT histogram, i.e. bands too wide,
  and a U shape, too narrow, both raise it), pooled and per example;
* the **centring check** on the HSTECH example at its own ``as_of``: the weighted mean of the
  members' medians against the index median, and the same for the means (the index is the
  weights times the members' simple returns, so means aggregate exactly and medians do not).

Usage (a few minutes on one core with the default 1,000 draws)::

    SCENARIOS_PRICES=../shared/hkdata/prices python benchmarks/calibration.py [--draws 1000]
        [--models history,ewma,garch] [--centers median,mean] [--examples tencent_feb_2026,...]
        [--json out.json]

The table in ``docs/backtesting.md`` ("Calibration of the market noise") is this script's output
with the defaults.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

#: the examples with a residual, in the order of the table (``extends`` variants left out)
EXAMPLES = ("deepseek_rally_feb_2025", "hstech_ai_reweight_2025", "spring_festival_subsidies_2026",
            "tencent_feb_2026", "us_ai_capex_2026", "us_capex_walkforward_2023_2025",
            "xiaomi_ai_rerating")
MODELS = ("history", "ewma", "garch")
CENTERS = ("median", "mean")
NOMINAL = 0.90
BAND = (0.05, 0.95)


@dataclass
class Cell:
    """Scored pairs of one (example, model, centre)."""

    example: str
    model: str
    center: str
    inside: list[float] = field(default_factory=list)
    pit: list[float] = field(default_factory=list)
    keys: list[tuple[str, str]] = field(default_factory=list)  # (as_of, symbol) of each pair
    windows: int = 0
    steps: int = 1
    failed: int = 0

    @property
    def n_independent(self) -> int:
        return max(self.windows // max(self.steps, 1), 1) if self.windows else 0


def binomial_interval(n: int, p: float = NOMINAL) -> tuple[float, float]:
    """Central 95% interval of the coverage ``X / n`` with ``X ~ Binomial(n, p)``."""
    from scipy.stats import binom

    if n <= 0:
        return (math.nan, math.nan)
    return (float(binom.ppf(0.025, n, p)) / n, float(binom.ppf(0.975, n, p)) / n)


def ks_uniform(values: list[float]) -> float:
    """Kolmogorov-Smirnov distance of ``values`` from Uniform(0, 1)."""
    from scipy.stats import kstest

    return float(kstest(np.asarray(values, dtype=float), "uniform").statistic) if values else math.nan


def with_residual(scenario: Any, model: str, center: str) -> Any:
    """A copy of ``scenario`` whose residual uses ``vol: model`` and ``center``."""
    s = scenario.model_copy(deep=True)
    res = s.monte_carlo.residual
    s.monte_carlo.residual = res.model_copy(update={"vol": model, "center": center})
    return s


def run_cell(scenario: Any, example: str, model: str, center: str, src: Any, draws: int,
             start: str, end: str) -> Cell:
    from scenarios.backtest.scenario import walk_forward_scenario

    wf = walk_forward_scenario(with_residual(scenario, model, center), roll="quarterly", start=start,
                               end=end, source=src, draws=draws, band=BAND, progress=False)
    d = wf.to_dict()
    cell = Cell(example, model, center, steps=int(d["track"].get("h") or 1),
                windows=int(d["track"].get("n_scored_windows") or 0))
    cell.failed = sum(1 for w in d["windows"] if w.get("status") not in ("complete",))
    for p in d["pairs"]:
        if p.get("scored"):
            cell.keys.append((str(p["as_of"]), str(p["symbol"])))
            cell.inside.append(float(p["inside"]))
            cell.pit.append(float(p["pit"]))
    return cell


def centring_check(scenario: Any, src: Any, draws: int) -> dict[str, dict[str, float]]:
    """Members vs index, at the file's ``as_of``, for each centring (history vol)."""
    from scenarios.engine import run_scenario

    out: dict[str, dict[str, float]] = {}
    for center in CENTERS:
        r = run_scenario(with_residual(scenario, "history", center), source=src, draws=draws)
        w = np.asarray(r.index_weights_after, dtype=float)
        ret = r.predicted_return
        med = np.median(ret, axis=0)
        out[center] = {
            "members_median_weighted": float(med @ w),
            "members_median_of_medians": float(np.median(med)),
            "index_median": float(np.median(r.index_return)),
            "members_mean_weighted": float(ret.mean(axis=0) @ w),
            "index_mean": float(np.mean(r.index_return)),
        }
    return out


def pct(x: float, digits: int = 1) -> str:
    return "-" if not np.isfinite(x) else f"{100 * x:.{digits}f}%"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--from", dest="start", default="2021-01-01")
    ap.add_argument("--to", dest="end", default="2025-12-31")
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--centers", default=",".join(CENTERS))
    ap.add_argument("--examples", default=",".join(EXAMPLES))
    ap.add_argument("--centring-file", action="append", default=[],
                    help="another scenario with an index line to add to the centring check "
                         "(e.g. ../shared/repro/hstech_cap5_ex_xiaomi_byd_2024.yaml)")
    ap.add_argument("--json", dest="json_out", default=None, help="also write the numbers here")
    a = ap.parse_args(argv)
    prices = os.environ.get("SCENARIOS_PRICES")
    if not prices:
        print("set SCENARIOS_PRICES to the snapshot's prices folder (../shared/hkdata/prices)",
              file=sys.stderr)
        return 2

    import logging
    import warnings

    logging.disable(logging.WARNING)
    warnings.simplefilter("ignore")
    from scenarios.data.csvdir import CsvDirSource
    from scenarios.model import load_scenario

    src = CsvDirSource(prices)
    models = [m.strip() for m in a.models.split(",") if m.strip()]
    centers = [c.strip() for c in a.centers.split(",") if c.strip()]
    names = [e.strip() for e in a.examples.split(",") if e.strip()]
    cells: list[Cell] = []
    t0 = time.perf_counter()
    scenarios = {n: load_scenario(ROOT / "examples" / f"{n}.yaml") for n in names}
    for name, sc in scenarios.items():
        for model in models:
            for center in centers:
                cells.append(run_cell(sc, name, model, center, src, a.draws, a.start, a.end))
                c = cells[-1]
                print(f"  {name:32s} {model:8s} {center:7s} pairs {len(c.inside):4d} windows "
                      f"{c.windows:3d} (h {c.steps})  "
                      f"coverage {pct(float(np.mean(c.inside)) if c.inside else math.nan)}",
                      file=sys.stderr, flush=True)

    print(f"# Calibration: quarterly walk-forwards {a.start}..{a.end}, {a.draws} draws, "
          f"5%-95% band (nominal {pct(NOMINAL, 0)}), snapshot $SCENARIOS_PRICES\n")
    common: set[tuple[str, str, str]] = set()  # (example, as_of, symbol) scored by every configuration
    for name in names:
        keysets = [{(c.example,) + key for key in c.keys} for c in cells if c.example == name]
        common |= set.intersection(*keysets) if keysets else set()
    # the example with the most pairs (the HSTECH cross-section) dominates the pooled number
    sizes = {name: max((len(c.inside) for c in cells if c.example == name), default=0) for name in names}
    largest = max(sizes, key=lambda k: sizes[k]) if sizes else None
    print("| vol | centre | coverage pooled (pairs) | on common pairs | without " + str(largest) +
          " | mean of examples | pooled 95% interval | examples inside their interval | PIT KS "
          "pooled | PIT KS common |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    summary: list[dict[str, Any]] = []
    for model in models:
        for center in centers:
            cs = [c for c in cells if c.model == model and c.center == center]
            inside = [x for c in cs for x in c.inside]
            pits = [x for c in cs for x in c.pit]
            per = [float(np.mean(c.inside)) for c in cs if c.inside]
            n_all = sum(c.n_independent for c in cs if c.inside)
            lo, hi = binomial_interval(n_all)
            ok = [c.example for c in cs if c.inside and
                  binomial_interval(c.n_independent)[0] <= np.mean(c.inside) <= binomial_interval(c.n_independent)[1]]
            cov = float(np.mean(inside)) if inside else math.nan
            ci = [x for c in cs for key, x in zip(c.keys, c.inside, strict=True) if (c.example,) + key in common]
            cp = [x for c in cs for key, x in zip(c.keys, c.pit, strict=True) if (c.example,) + key in common]
            cov_common = float(np.mean(ci)) if ci else math.nan
            rest = [x for c in cs if c.example != largest for x in c.inside]
            cov_rest = float(np.mean(rest)) if rest else math.nan
            row = {"coverage_common": cov_common, "coverage_without_largest": cov_rest, "pairs_common": len(ci),
                   "ks_common": ks_uniform(cp),
                   "model": model, "center": center, "coverage": cov,
                   "coverage_mean_of_examples": float(np.mean(per)) if per else math.nan,
                   "pairs": len(inside), "n_independent": n_all, "interval": [lo, hi],
                   "examples_inside": ok, "ks": ks_uniform(pits),
                   "per_example": {c.example: {"coverage": float(np.mean(c.inside)) if c.inside else None,
                                               "pairs": len(c.inside), "windows": c.windows,
                                               "steps": c.steps, "n_independent": c.n_independent,
                                               "interval": list(binomial_interval(c.n_independent)),
                                               "ks": ks_uniform(c.pit),
                                               "mean_pit": float(np.mean(c.pit)) if c.pit else None}
                                   for c in cs}}
            summary.append(row)
            print(f"| {model} | {center} | {pct(cov)} ({len(inside)}) | {pct(cov_common)} ({len(ci)}) "
                  f"| {pct(cov_rest)} ({len(rest)}) "
                  f"| {pct(row['coverage_mean_of_examples'])} "
                  f"| {pct(lo, 0)}..{pct(hi, 0)} (n {n_all}) | {len(ok)} of {len([c for c in cs if c.inside])} "
                  f"| {row['ks']:.3f} | {row['ks_common']:.3f} |")

    print("\nPer example: coverage / PIT KS / mean PIT (binomial 95% interval for n non-overlapping windows)\n")
    head = " | ".join(f"{m} {c}" for m in models for c in centers)
    print(f"| example | n (history) | interval | {head} |")
    print("|---|---|---|" + "---|" * (len(models) * len(centers)))
    for name in names:
        first = next(c for c in cells if c.example == name)
        lo, hi = binomial_interval(first.n_independent)
        vals = []
        for model in models:
            for center in centers:
                c = next(x for x in cells if x.example == name and x.model == model and x.center == center)
                if not c.inside:
                    vals.append("-")
                    continue
                cov = float(np.mean(c.inside))
                clo, chi = binomial_interval(c.n_independent)  # its own windows (garch: fewer)
                plo, phi = binomial_interval(len(c.inside) // max(c.steps, 1))
                flag = ("" if clo <= cov <= chi else " *") + ("" if plo <= cov <= phi else " †")
                vals.append(f"{pct(cov, 0)}{flag} / {ks_uniform(c.pit):.2f} / {np.mean(c.pit):.2f}")
        print(f"| {name} | {first.n_independent} ({len(first.inside)} pairs, h {first.steps}) | "
              f"{pct(lo, 0)}..{pct(hi, 0)} | " + " | ".join(vals) + " |")
    print("\n`*`: outside the example's binomial 95% interval (n = non-overlapping windows, the "
          "acceptance test). `†`: outside the stricter interval that counts every name of a window "
          "as independent (n = pairs / h; too strict for correlated names, shown as a warning).")

    check: dict[str, Any] = {}
    targets = {n: sc for n, sc in scenarios.items() if n == "hstech_ai_reweight_2025"}
    targets.update({Path(f).stem: load_scenario(f) for f in a.centring_file})
    if targets:
        print("\nCentring check at each file's as_of (history vol, 10,000 draws; index = weights x members' simple "
              "returns, so means aggregate exactly and medians do not):\n")
        print("| scenario | centre | members' median (weighted) | median of members' medians | index median "
              "| members' mean (weighted) | index mean |")
        print("|---|---|---|---|---|---|---|")
    for name, sc in targets.items():
        check[name] = centring_check(sc, src, max(a.draws, 10_000))
        for center, v in check[name].items():
            print(f"| {name} | {center} | {pct(v['members_median_weighted'])} | "
                  f"{pct(v['members_median_of_medians'])} | {pct(v['index_median'])} | "
                  f"{pct(v['members_mean_weighted'])} | {pct(v['index_mean'])} |")
    print(f"\n({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    if a.json_out:
        Path(a.json_out).write_text(json.dumps({"summary": summary, "centring": check}, indent=1),
                                    encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
