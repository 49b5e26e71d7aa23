"""Engine throughput and memory against a plain-numpy reference, measured in the same run.

Synthetic in-memory prices (no files, no network), 30 symbols, at 10,000, 100,000 and
1,000,000 draws:

* ``plain numpy`` (the reference, written here): the same price model hand-written with numpy
  on whole ``(draws, n)`` arrays, INCLUDING the sampling of its parameters (one normal growth
  per symbol and draw, clipped; a uniform capex amount, a triangular useful life and a lognormal
  target multiple per draw), giving prices, returns and the index line;
* ``engine``: :func:`scenarios.engine.run.run_resolved` on the resolved scenario (the engine
  from the resolved scenario: drivers, sums, prices, both index lines, the band check and the
  noise-free attribution);
* ``api.run``: the whole public path on the loaded scenario (resolve: data checks, baseline
  closes; run; the typed result with its summary: quantiles, Monte Carlo errors) - reported
  beside, it includes fixed per-run costs that are not the engine's.

A second reference, ``same outputs``, is the same hand-written model computing what the engine
returns: the price as a sum of per-driver log contributions, returns by ``expm1``, the mean of each
contribution (the attribution) and both index lines. It is the fair yardstick for the engine's
own overhead; the first one bounds what a model with no attribution could cost.

Times are CPU seconds of this process (OpenBLAS may use a second thread for the index
matrix-vector products; run with ``OPENBLAS_NUM_THREADS=1`` to exclude it), the median of
``--repeat`` runs, engine and reference interleaved: the ratios of CPU time measure the work
each path does. The last two columns are the ratios of wall time (medians too): a run of
several blocks overlaps each block's prices and sums with the next block's drivers on a second
core (:mod:`scenarios.engine.blocks`), which the single-threaded references do not.

Peak memory at 1M x 30 is measured in a fresh process per path (``ru_maxrss``: the peak
resident set, imports included, and the tracemalloc peak of the run's own allocations).
Last, ``scenarios run`` on the HSTECH example with ``--draws 1000000`` in a fresh process:
wall time and peak resident set.

Usage: ``SCENARIOS_PRICES=../shared/hkdata/prices python benchmarks/engine_throughput.py
[--sizes 10000 100000 1000000] [--repeat 5] [--no-cli]``
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
N_SYMBOLS = 30
SYMBOLS = [f"{1000 + 7 * i:04d}.HK" for i in range(N_SYMBOLS)]
HSTECH_EXAMPLE = ROOT / "examples" / "hstech_ai_reweight_2025.yaml"


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
        data["monte_carlo"]["residual"] = {"vol": "history", "lookback_days": 250, "correlation": "history"}
    return data


def _parameters(rng, draws, n):
    """The references' parameter draws: (growth (draws, n), capex amount, useful life, target P/E
    (each (draws, 1)))."""
    g = np.clip(0.1 + 0.05 * rng.standard_normal((draws, n)), 0.1 - 0.425, 0.1 + 0.425)
    amount = (1 + 4 * rng.random((draws, 1))) * 1e9
    u = rng.random((draws, 1))
    life = np.where(u < 0.4, 3 + np.sqrt(u * 5 * 2), 8 - np.sqrt((1 - u) * 5 * 3))
    target = 15 * np.exp(0.2 * rng.standard_normal((draws, 1)))
    return g, amount, life, target


def plain_numpy(p0, eps0, shares, draws, years, rng, w):
    """The model hand-written on whole arrays, parameters sampled here: (prices, returns,
    index return). ``w``: the index weights."""
    g, amount, life, target = _parameters(rng, draws, p0.size)
    eps = eps0 * np.exp(years * np.log1p(g))
    eps -= np.minimum(1.0, life) / life * amount * (0.8 * 1.09 / shares)
    np.maximum(eps, 0.01 * eps0, out=eps)
    m0 = p0 / eps0
    m = m0 + (target - m0) * (1 - 2.0 ** (-years))
    shock = math.log(0.92) * (2.0 ** (-(9 + 184) / 20) - 2.0 ** (-9 / 20))
    price = eps * m
    price *= math.exp(shock)
    ret = price / p0
    ret -= 1.0
    return price, ret, ret @ w


def plain_numpy_same_outputs(p0, eps0, shares, draws, years, rng, w, w_before):
    """The same model and parameters as :func:`plain_numpy`, giving what the engine gives.

    The price is written as the engine writes it, a sum of log contributions (one per driver),
    because the engine's outputs need them: returns as ``expm1`` of the sum (exact for small
    moves), prices, BOTH index lines (before and after the re-weighting) and each driver's mean
    log contribution per symbol (the attribution). Returns ``(prices, returns, index after,
    index before, {driver: mean log contribution})``.
    """
    g, amount, life, target = _parameters(rng, draws, p0.size)
    c_growth = years * np.log1p(g)
    eps = np.exp(c_growth)
    eps *= eps0
    after = eps - np.minimum(1.0, life) / life * amount * (0.8 * 1.09 / shares)
    np.maximum(after, 0.01 * eps0, out=after)
    c_capex = np.divide(after, eps)
    np.log(c_capex, out=c_capex)
    m0 = p0 / eps0
    c_rerate = np.divide(m0 + (target - m0) * (1 - 2.0 ** (-years)), m0)
    np.log(c_rerate, out=c_rerate)
    shock = math.log(0.92) * (2.0 ** (-(9 + 184) / 20) - 2.0 ** (-9 / 20))
    total = c_growth + c_capex
    total += c_rerate
    total += shock
    ret = np.expm1(total)
    price = np.exp(total, out=total)
    price *= p0
    means = {"growth": c_growth.mean(axis=0), "capex": c_capex.mean(axis=0),
             "revert": c_rerate.mean(axis=0), "shock": np.full(p0.size, shock)}
    return price, ret, ret @ w, ret @ w_before, means


def _cpu(fn) -> tuple[float, float]:
    """(CPU seconds of this process, wall seconds) of ``fn()``."""
    t, w = time.process_time(), time.perf_counter()
    fn()
    return time.process_time() - t, time.perf_counter() - w


def _setup(draws: int):
    from scenarios.data.memory import synthetic_source
    from scenarios.model import scenario_from_dict
    from scenarios.model.resolved import resolve_scenario

    src = synthetic_source(SYMBOLS, seed=0)
    scenario = scenario_from_dict(scenario_dict(SYMBOLS, draws))
    rs = resolve_scenario(scenario, source=src)
    return src, scenario, rs


def measure(draws: int, repeat: int) -> dict:
    """Median CPU seconds of the engine, the reference and api.run at ``draws`` x 30."""
    from scenarios import api
    from scenarios.engine.run import run_resolved

    src, scenario, rs = _setup(draws)
    result = run_resolved(rs)  # warm-up (imports, caches)
    p0 = result.baseline_price
    eps0 = np.array([(2.0 + i % 7) * 1.09 for i in range(N_SYMBOLS)])
    shares = np.array([(1 + i % 5) * 1e9 for i in range(N_SYMBOLS)])
    w = result.index_weights_after
    w_before = result.index_weights_before
    years = result.horizon_years
    del result
    engine, ref, same, whole = [], [], [], []
    for _ in range(repeat):
        ref.append(_cpu(lambda: plain_numpy(p0, eps0, shares, draws, years, np.random.default_rng(1), w)))
        same.append(_cpu(lambda: plain_numpy_same_outputs(p0, eps0, shares, draws, years,
                                                          np.random.default_rng(1), w, w_before)))
        engine.append(_cpu(lambda: run_resolved(rs)))
        whole.append(_cpu(lambda: list(api.iter_run(scenario, source=src))))
    def med(xs, i):
        return statistics.median(x[i] for x in xs)

    return {"draws": draws, "engine": med(engine, 0), "numpy": med(ref, 0), "same": med(same, 0),
            "api": med(whole, 0), "engine_wall": med(engine, 1), "numpy_wall": med(ref, 1),
            "same_wall": med(same, 1)}


def child_memory(path: str, draws: int) -> None:
    """(In a fresh process) one run of ``path`` at ``draws`` x 30; prints JSON with the peak
    resident set (MB) and the tracemalloc peak of the run (MB)."""
    import resource
    import tracemalloc

    from scenarios.engine.run import run_resolved

    src, scenario, rs = _setup(draws)
    eps0 = np.array([(2.0 + i % 7) * 1.09 for i in range(N_SYMBOLS)])
    shares = np.array([(1 + i % 5) * 1e9 for i in range(N_SYMBOLS)])
    p0 = rs.baseline.price
    w = np.full(N_SYMBOLS, 1.0 / N_SYMBOLS)
    tracemalloc.start()
    if path == "engine":
        out = run_resolved(rs)
    elif path == "numpy":
        out = plain_numpy(p0, eps0, shares, draws, rs.years, np.random.default_rng(1), w)
    else:
        from scenarios import api

        out = list(api.iter_run(scenario, source=src))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del out
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    print(json.dumps({"rss_mb": rss, "traced_mb": peak / 2**20}))


def fresh(args: list[str]) -> str:
    """Run ``python ARGS`` in a fresh process (this checkout first on the path): its stdout."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    p = subprocess.run([sys.executable, *args], capture_output=True, cwd=ROOT, env=env, text=True,
                       check=False)
    if p.returncode != 0:
        raise SystemExit(f"python {' '.join(args)} failed ({p.returncode}):\n{p.stderr[-2000:]}")
    return p.stdout


def cli_run(draws: int, repeat: int) -> list[tuple[float, float]]:
    """``scenarios run HSTECH --draws N`` in fresh processes: (wall s, peak RSS MB) each."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               SCENARIOS_OFFLINE="1", COLUMNS="200")
    cmd = [sys.executable, "-m", "scenarios", "run", str(HSTECH_EXAMPLE.relative_to(ROOT)),
           "--draws", str(draws), "--no-record"]
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT, env=env)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{' '.join(cmd)} failed: {p.stderr.read().decode()[-2000:]}")
        p.stderr.close()
        out.append((wall, usage.ru_maxrss / 1024))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--memory-draws", type=int, default=1_000_000)
    ap.add_argument("--no-cli", action="store_true", help="skip the `scenarios run` HSTECH timing")
    ap.add_argument("--child", choices=["engine", "numpy", "api"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child_memory(args.child, args.memory_draws)
        return

    # fresh processes first: Linux keeps a parent's peak RSS in ru_maxrss across fork and exec,
    # so they must start before this process grows
    print(f"peak memory at {args.memory_draws:,} x {N_SYMBOLS} (fresh process each; RSS includes "
          "imports; traced = the run's own allocations)")
    floor = fresh(["-c", ("import resource, numpy, pandas, scenarios.engine.run; "
                          "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")])
    print(f"  {'imports only':14s} RSS {float(floor):8.0f} MB")
    for path in ("numpy", "engine", "api"):
        out = fresh([__file__, "--child", path, "--memory-draws", str(args.memory_draws)])
        got = json.loads(out.strip().splitlines()[-1])
        print(f"  {path:14s} RSS {got['rss_mb']:8.0f} MB   traced {got['traced_mb']:8.0f} MB", flush=True)

    if not args.no_cli:
        if not os.environ.get("SCENARIOS_PRICES"):
            print("\n(set SCENARIOS_PRICES for the `scenarios run` HSTECH timing)")
        else:
            runs = cli_run(1_000_000, 3)
            walls = sorted(r[0] for r in runs)
            rss = max(r[1] for r in runs)
            print(f"\nscenarios run {HSTECH_EXAMPLE.relative_to(ROOT)} --draws 1000000 --no-record "
                  f"(fresh process, {len(runs)} runs): wall median {statistics.median(walls):.2f} s "
                  f"(min {walls[0]:.2f}), peak RSS {rss:.0f} MB")

    print(f"\nengine throughput: {N_SYMBOLS} symbols, CPU seconds (median of {args.repeat}), "
          "engine = run_resolved on the resolved scenario; ratio = engine / plain numpy "
          "(prices and returns only); same-out = engine / plain numpy giving the engine's "
          "outputs (log contributions and their means, both index lines)")
    print(f"{'draws':>10s} {'numpy s':>9s} {'same s':>8s} {'engine s':>9s} {'ratio':>7s} "
          f"{'same-out':>8s} {'api.run s':>10s} {'api/numpy':>9s} {'M cells/s':>10s} "
          f"{'wall ratio':>10s} {'wall same-out':>13s}")
    for draws in args.sizes:
        reps = args.repeat if draws < 1_000_000 else max(3, args.repeat // 2)
        m = measure(draws, reps)
        print(f"{draws:10,d} {m['numpy']:9.3f} {m['same']:8.3f} {m['engine']:9.3f} "
              f"{m['engine'] / m['numpy']:6.2f}x {m['engine'] / m['same']:7.2f}x "
              f"{m['api']:10.3f} {m['api'] / m['numpy']:8.2f}x {draws * N_SYMBOLS / m['engine'] / 1e6:10.1f} "
              f"{m['engine_wall'] / m['numpy_wall']:9.2f}x {m['engine_wall'] / m['same_wall']:12.2f}x",
              flush=True)


if __name__ == "__main__":
    main()
