"""Engine throughput: (draws x symbols) evaluated per second, 100,000 draws x 30 symbols.

Synthetic in-memory prices (no files, no network). Two references measured in the same run:

* ``plain numpy``: the same price formula hand-written with numpy on pre-drawn parameters (no
  validation, no sampling streams, no result object): the floor any implementation could reach;
* ``per-draw loop``: the same formula evaluated draw by draw in Python on a subset, scaled up:
  what the vectorized engine avoids.

Times are CPU seconds of this process (best of ``--repeat``).

The engine is timed without and with ``monte_carlo.residual`` (vol history, correlation history;
the plain-numpy reference then adds correlated normal noise too).

Usage: ``python benchmarks/engine_throughput.py [--draws 100000] [--symbols 30] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

RESIDUAL = {"vol": "history", "lookback_days": 250, "correlation": "history"}


def scenario_dict(symbols: list[str], draws: int, residual: bool = False) -> dict:
    data = {
        "name": "throughput",
        "as_of": "2025-08-29",
        "horizon": "6M",
        "universe": symbols,
        "fx": {"CNYHKD": 1.09},
        "baseline": {s: {"currency": "CNY", "eps": 2.0 + i % 7, "shares": {"value": 1 + i % 5, "unit": "bn"},
                         "tax_rate": 0.2} for i, s in enumerate(symbols)},
        "drivers": [
            {"type": "earnings_growth", "label": "growth", "per_symbol": True,
             "growth": {"dist": "normal", "mean": 0.1, "sd": 0.05}},
            {"type": "ai_capex", "label": "capex", "amount": {"dist": "uniform", "low": 1, "high": 5},
             "unit": "bn", "currency": "CNY", "useful_life_years": {"dist": "triangular", "low": 3, "mode": 5,
                                                                    "high": 8}},
            {"type": "rerating", "label": "revert", "target": {"dist": "lognormal", "median": 15, "sigma": 0.2},
             "half_life_years": 1.0},
            {"type": "sentiment_shock", "label": "shock", "shock": -0.08, "half_life_days": 20, "date": "2025-08-20"},
            {"type": "index_weighting", "scheme": "market_cap", "cap": 0.1},
        ],
        "monte_carlo": {"draws": draws, "seed": 1},
    }
    if residual:
        data["monte_carlo"]["residual"] = dict(RESIDUAL)
    return data


def plain_numpy(p0, eps0, shares, draws, years, rng, noise=None):
    """The same model, hand-written: returns predicted prices (draws, n) and index return.
    ``noise = (sd (n,), chol (n, n))`` adds the correlated mean-centred residual."""
    n = p0.size
    g = np.clip(0.1 + 0.05 * rng.standard_normal((draws, n)), 0.1 - 0.425, 0.1 + 0.425)
    amount = (1 + 4 * rng.random((draws, 1))) * 1e9
    u = rng.random((draws, 1))
    life = np.where(u < 0.4, 3 + np.sqrt(u * 5 * 2), 8 - np.sqrt((1 - u) * 5 * 3))
    target = 15 * np.exp(0.2 * rng.standard_normal((draws, 1)))
    eps = eps0 * (1 + g) ** years
    eps = eps - np.minimum(1.0, life) / life * amount * 0.8 * 1.09 / shares
    eps = np.maximum(eps, 0.01 * eps0)
    m0 = p0 / eps0
    m = m0 + (target - m0) * (1 - 2.0 ** (-years))
    shock = math.log(0.92) * (2.0 ** (-(9 + 184) / 20) - 2.0 ** (-9 / 20))
    price = eps * m * math.exp(shock)
    if noise is not None:
        sd, chol = noise
        z = rng.standard_normal((draws, n)) @ chol.T
        price = price * np.exp(z * sd - 0.5 * sd * sd)
    ret = price / p0 - 1
    w = p0 * shares
    w = w / w.sum()
    return price, ret @ w


def per_draw(p0, eps0, shares, draws, years, rng):
    n = p0.size
    out = np.empty((draws, n))
    for d in range(draws):
        amount = (1 + 4 * rng.random()) * 1e9
        life = 3 + 5 * rng.random()
        target = 15 * math.exp(0.2 * rng.standard_normal())
        for j in range(n):
            g = 0.1 + 0.05 * rng.standard_normal()
            e = eps0[j] * (1 + g) ** years - min(1.0, life) / life * amount * 0.8 * 1.09 / shares[j]
            e = max(e, 0.01 * eps0[j])
            m0 = p0[j] / eps0[j]
            m = m0 + (target - m0) * (1 - 2.0 ** (-years))
            out[d, j] = e * m
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=100_000)
    ap.add_argument("--symbols", type=int, default=30)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    from scenarios.engine import run_scenario
    from scenarios.engine.synthetic import synthetic_source
    from scenarios.model import scenario_from_dict

    symbols = [f"{1000 + 7 * i:04d}.HK" for i in range(args.symbols)]
    src = synthetic_source(symbols, seed=0)
    scenario = scenario_from_dict(scenario_dict(symbols, args.draws))
    cells = args.draws * args.symbols

    run_scenario(scenario, source=src, draws=1000)  # warm-up (imports, price cache)
    t_engine = min(_timed(lambda: run_scenario(scenario, source=src)) for _ in range(args.repeat))
    result = run_scenario(scenario, source=src)

    p0 = result.baseline_price
    eps0 = np.array([(2.0 + i % 7) * 1.09 for i in range(args.symbols)])
    shares = np.array([(1 + i % 5) * 1e9 for i in range(args.symbols)])
    years = result.horizon_years
    t_numpy = min(_timed(lambda: plain_numpy(p0, eps0, shares, args.draws, years,
                                             np.random.default_rng(1))) for _ in range(args.repeat))
    sub = max(1, min(args.draws, 2000))
    t_loop = _timed(lambda: per_draw(p0, eps0, shares, sub, years, np.random.default_rng(1))) * args.draws / sub

    t_full = _timed(lambda: run_scenario(scenario, source=src).summary())

    noisy = scenario_from_dict(scenario_dict(symbols, args.draws, residual=True))
    run_scenario(noisy, source=src, draws=1000)  # warm-up (calendar)
    t_noisy = min(_timed(lambda: run_scenario(noisy, source=src)) for _ in range(args.repeat))
    noisy_result = run_scenario(noisy, source=src, draws=10)
    sd = np.array([noisy_result.residual["per_symbol"][s]["sd"] for s in symbols])
    from scenarios.engine.residual import log_returns

    closes = {s: src.get(s, None, noisy_result.as_of)["close"] for s in symbols}
    import pandas as pd

    corr = pd.DataFrame({s: log_returns(c, 250) for s, c in closes.items()}).corr().to_numpy()
    chol = np.linalg.cholesky(corr)
    t_numpy_noise = min(_timed(lambda: plain_numpy(p0, eps0, shares, args.draws, years,
                                                   np.random.default_rng(1), (sd, chol)))
                        for _ in range(args.repeat))

    print(f"engine throughput: {args.draws:,} draws x {args.symbols} symbols = {cells:,} cells")
    print(f"  run_scenario          {t_engine:8.3f} s   {cells / t_engine / 1e6:8.2f} M cells/s")
    print(f"  run + summary()       {t_full:8.3f} s")
    print(f"  plain numpy (ref)     {t_numpy:8.3f} s   {cells / t_numpy / 1e6:8.2f} M cells/s"
          f"   engine / plain numpy time = {t_engine / t_numpy:5.2f}x")
    print(f"  with residual         {t_noisy:8.3f} s   {cells / t_noisy / 1e6:8.2f} M cells/s"
          f"   (vol history, correlation history; {t_noisy / t_engine:4.2f}x the run without)")
    print(f"  plain numpy + noise   {t_numpy_noise:8.3f} s   {cells / t_numpy_noise / 1e6:8.2f} M cells/s"
          f"   engine / plain numpy time = {t_noisy / t_numpy_noise:5.2f}x")
    print(f"  per-draw loop (ref)   {t_loop:8.3f} s   {cells / t_loop / 1e6:8.2f} M cells/s"
          f"   (measured on {sub:,} draws)  speed-up of the engine = {t_loop / t_engine:7.1f}x")
    print(f"  drivers: {', '.join(result.contributions)}; index scheme {result.index_scheme}")


def _timed(fn) -> float:
    """CPU seconds of this process (steadier than wall time on a shared machine; numpy here
    is single-threaded, so CPU time is the work done)."""
    t = time.process_time()
    fn()
    return time.process_time() - t


if __name__ == "__main__":
    main()
