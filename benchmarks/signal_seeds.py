"""Seed dependence of the backtest's hit rate and IC (issue 11, item 5).

Runs a single backtest and a walk-forward for seeds 1-5 and prints hit rate, IC (and IC status)
per seed. With the noise-free signal every seed gives the same numbers; with Monte Carlo
medians (before) they moved with the seed.

    SCENARIOS_PRICES=../shared/hkdata/prices python benchmarks/signal_seeds.py \
        ../shared/repro/hstech_cap5_ex_xiaomi_byd_2024.yaml examples/us_capex_walkforward_2023_2025.yaml
"""

from __future__ import annotations

import sys

from scenarios import api


def _fmt(x: object) -> str:
    return "nan" if x is None else f"{float(x):+.3f}"  # type: ignore[arg-type]


def main(single: str, walk: str, draws: int = 2000) -> None:
    print(f"single backtest: {single} ({draws} draws)")
    for seed in range(1, 6):
        summ = api.backtest(single, draws=draws, seed=seed, index=False)[0].to_dict()["summary"]
        print(f"  seed {seed}: hit {_fmt(summ.get('hit_rate'))}  IC {_fmt(summ.get('ic'))}  "
              f"IC status {summ.get('ic_status', '-')}")
    print(f"walk-forward (quarterly): {walk} ({draws} draws)")
    for seed in range(1, 6):
        r = api.backtest(walk, roll="quarterly", draws=draws, seed=seed, index=False)[0]
        t = r.to_dict()["track"]
        print(f"  seed {seed}: hit {_fmt(t.get('hit_rate'))}  mean IC {_fmt(t.get('mean_ic'))}  "
              f"IC t {_fmt(t.get('ic_tstat'))}  p {_fmt(t.get('ic_pvalue'))}  IC windows {t.get('ic_n')}  "
              f"PT p {_fmt(t.get('pt_pvalue'))}  PT(HAC) p {_fmt(t.get('pt_hac_pvalue'))}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 2000)
