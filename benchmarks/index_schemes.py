"""Batched index schemes: 1,000 random tilts of HSTECH, project paths vs plain numpy, vectorbt, bt.

The work: 1,000 random theme-tilt schemes (implied HSTECH weights x log-uniform factors in
[1/2, 2] per theme, 8% cap) over the snapshot's HSTECH universe (30 names at a time),
2024-01-02..2025-12-31, with the quarterly Hang Seng reviews at their recorded dates (plus the
fast entries and the segments where a member's data ends). Timed in one run, per scheme:

* ``project: simulate_schemes (batched)``: the real counterfactual path (implied weights
  fitted once, tilts, caps, drift, chain-linking, year table), excluding the panel load. Timed
  cold (the default: the weight fits and the broker reference tables, which a process remembers
  after a first call, are forgotten before every repeat) and warm (remembered, as in the later
  batches of a chunked sweep or the later scenarios of a backtest on the same dates);
* ``project: chain_link_schemes``: the batched kernel alone on the same target weights;
* ``project: loop over simulate_index``: the previous public path (``engine="loop"``), timed on
  a subset (``--loop-schemes``), per scheme, cold (its schemes share the remembered fits);
* ``numpy, batched``: written here, one matrix product per segment;
* ``vectorbt``: ``Portfolio.from_orders`` (target percent, grouped per scheme, cash sharing),
  timed after a compile run; ``bt``: ``WeighTarget`` + ``Rebalance``. Both only when installed
  (``pip install -e ".[bench]"``), on ``--ext-schemes`` schemes.

Every engine gets the same target weights (the weights the project's schedule holds at the
start of each segment) and the same daily price returns; the agreement printed is the largest
absolute difference of index levels (base 100) against the per-scheme loop. BLAS runs on one
thread (``--threads``): the products are small (30 names) and threads only add waiting on a
shared machine. Usage::

    SCENARIOS_PRICES=../shared/hkdata/prices python benchmarks/index_schemes.py \
        [--schemes 1000] [--loop-schemes 20] [--ext-schemes 200] [--repeat 7]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


def _args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--prices", default=os.environ.get("SCENARIOS_PRICES"),
                    help="folder of price CSVs (default: $SCENARIOS_PRICES)")
    ap.add_argument("--schemes", type=int, default=1000)
    ap.add_argument("--loop-schemes", type=int, default=20)
    ap.add_argument("--ext-schemes", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--threads", default="1", help="BLAS threads (default 1)")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = args.threads  # before numpy is imported
    if not args.prices:
        print("set SCENARIOS_PRICES (e.g. ../shared/hkdata/prices) or pass --prices", file=sys.stderr)
        return 2
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import numpy as np
    import pandas as pd

    from scenarios.backtest.sweep import random_tilts
    from scenarios.data.csvdir import CsvDirSource
    from scenarios.recon import reference as _reference
    from scenarios.recon.counterfactual import IndexScheme, simulate_schemes
    from scenarios.recon.fit import clear_fit_cache
    from scenarios.recon.hstech import WARMUP_DAYS
    from scenarios.recon.membership import Membership
    from scenarios.recon.panel import load_index_panel
    from valuation.index.schemes import chain_link_schemes

    start, end = "2024-01-02", "2025-12-31"
    load_start = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    src = CsvDirSource(args.prices)
    ref_dir = Path(args.prices).resolve().parent / "reference"
    m = Membership.from_universe("hstech")
    t = time.perf_counter()
    panel = load_index_panel(src, m.symbols, "HSTECH.HK",
                             pd.Timestamp(start) - pd.Timedelta(days=WARMUP_DAYS), end)
    t_panel = time.perf_counter() - t
    base = IndexScheme("base", "implied", cap=0.08)
    schemes = random_tilts(base, args.schemes, args.seed)
    S = len(schemes)
    kw = dict(panel=panel, reference_dir=ref_dir, benchmarks=("HSTECH.HK",))

    def forget() -> None:
        """Forget what a process remembers between calls (weight fits, parsed reference tables)."""
        clear_fit_cache()
        _reference._parsed_reference.clear()

    def timed(fn, repeat, before=None):
        out, ts = None, []
        for _ in range(repeat):
            if before is not None:
                before()
            t0 = time.perf_counter()
            out = fn()
            ts.append(time.perf_counter() - t0)
        return out, min(ts), float(np.median(ts))

    # ---- (a) the project's batched counterfactual path -----------------------------------
    simulate_schemes(schemes[:2], src, start, end, **kw)  # warm the imports
    cf, t_batch, t_batch_med = timed(lambda: simulate_schemes(schemes, src, start, end, **kw),
                                     args.repeat, before=forget)
    _, t_warm, t_warm_med = timed(lambda: simulate_schemes(schemes, src, start, end, **kw),
                                  args.repeat)
    b = cf.batch
    assert b is not None
    # one more cold run with the shared implied-weight fits timed (not part of the timings above)
    from scenarios.recon import batch as _batch

    fit_time, fit_calls = [0.0], [0]
    orig = _batch._implied_base

    def _timed_fit(*a, **k):
        t0 = time.perf_counter()
        try:
            return orig(*a, **k)
        finally:
            fit_time[0] += time.perf_counter() - t0
            fit_calls[0] += 1

    _batch._implied_base = _timed_fit
    try:
        forget()
        t0 = time.perf_counter()
        simulate_schemes(schemes, src, start, end, **kw)
        t_split = time.perf_counter() - t0
    finally:
        _batch._implied_base = orig
    # inputs every engine shares: daily returns on the test days and the weights held at the
    # start of each segment (the set weights, drifted from the review for a segment that
    # starts where a member's data ends)
    days = b.days
    rets = panel.returns.reindex(columns=list(b.symbols)).fillna(0.0)
    R = rets.loc[days].to_numpy()
    seg = b.segments
    starts = pd.DatetimeIndex(seg["start"])
    assert starts.equals(b.starts)
    W = np.nan_to_num(b.weights)                      # (S, K, N), 0 = not held
    for j, (rk, st) in enumerate(zip(seg["rebalance"], seg["start"], strict=True)):
        if st != rk:
            g = np.prod(1.0 + rets.loc[(rets.index >= rk) & (rets.index < st)].to_numpy(), axis=0)
            W[:, j] = W[:, j] * g
            W[:, j] /= W[:, j].sum(axis=1, keepdims=True)
    keep = starts >= days[0]
    first = int(np.flatnonzero(keep)[0])
    if starts[first] != days[0]:  # the first test day lies inside a segment: its held weights
        j = first - 1
        rk = seg["rebalance"].iloc[j]
        g = np.prod(1.0 + rets.loc[(rets.index >= rk) & (rets.index < days[0])].to_numpy(), axis=0)
        w0 = np.nan_to_num(b.weights[:, j]) * g
        W = np.concatenate([(w0 / w0.sum(axis=1, keepdims=True))[:, None], W[:, keep]], axis=1)
        seg_days = pd.DatetimeIndex([days[0], *starts[keep]])
    else:
        W = W[:, keep]
        seg_days = starts[keep]
    mask = days.isin(seg_days)
    levels_batch = 100 * np.cumprod(1 + b.returns, axis=1)

    # ---- project kernel alone -------------------------------------------------------------
    kern, t_kern, _ = timed(lambda: chain_link_schemes(R, W, mask), args.repeat)

    # ---- plain numpy: one matrix product per segment --------------------------------------
    def plain_numpy() -> np.ndarray:
        out = np.empty((S, len(days)))
        bounds = [*np.flatnonzero(mask), len(days)]
        level = np.full(S, 100.0)
        for j in range(len(bounds) - 1):
            a, e = bounds[j], bounds[j + 1]
            v = W[:, j] @ np.cumprod(1.0 + R[a:e], axis=0).T     # (S, D) value per unit
            out[:, a:e] = level[:, None] * v
            level = out[:, e - 1]
        return out

    npl, t_np, _ = timed(plain_numpy, args.repeat)

    # ---- (b) the loop over simulate_index (previous public path) on a subset --------------
    n_loop = min(args.loop_schemes, S)
    loop, t_loop, _ = timed(lambda: simulate_schemes(schemes[:n_loop], src, start, end,
                                                     engine="loop", **kw), 1, before=forget)
    names = [s.name for s in schemes]
    lv_loop = loop.levels[names[:n_loop]].to_numpy().T      # (n_loop, T)
    rows: list[tuple[str, float, int, float]] = []          # label, sec per scheme, n, agreement

    def agree(lv: np.ndarray) -> float:
        return float(np.abs(lv[:n_loop] - lv_loop[: len(lv)]).max())

    rows.append(("project: simulate_schemes, batched (real path, cold)", t_batch / S, S,
                 agree(levels_batch)))
    rows.append(("project: chain_link_schemes kernel", t_kern / S, S, agree(kern.levels)))
    rows.append(("numpy, batched (one matrix product per segment)", t_np / S, S, agree(npl)))
    rows.append(("project: loop over simulate_index (engine='loop')", t_loop / n_loop, n_loop,
                 float("nan")))  # the reference

    # ---- vectorbt / bt on a subset ----------------------------------------------------------
    n_ext = min(args.ext_schemes, S)
    price = np.vstack([np.ones((1, R.shape[1])), np.cumprod(1.0 + R, axis=0)])   # close before day 0 first
    # target weights are set at the close BEFORE each segment's first day (row index = day)
    order_rows = np.flatnonzero(mask)                   # row of day d in `price` is d + 1
    ext_notes: list[str] = []
    try:
        import vectorbt as vbt

        def run_vbt(n: int) -> np.ndarray:
            N = R.shape[1]
            close = np.tile(price, (1, n))
            size = np.full(close.shape, np.nan)
            for j, d in enumerate(order_rows):
                size[d] = W[:n, j].reshape(-1)
            group = np.repeat(np.arange(n), N)
            pf = vbt.Portfolio.from_orders(close, size, size_type="targetpercent", group_by=group,
                                           cash_sharing=True, call_seq="auto", init_cash=100.0,
                                           freq="1D")
            return np.asarray(pf.value()).T[:, 1:]

        run_vbt(2)  # compile
        lv_vbt, t_vbt, _ = timed(lambda: run_vbt(n_ext), 1)
        rows.append((f"vectorbt {vbt.__version__} Portfolio.from_orders", t_vbt / n_ext, n_ext,
                     agree(lv_vbt)))
    except ImportError:
        ext_notes.append("vectorbt not installed (pip install -e '.[bench]')")
    try:
        import logging

        import bt

        logging.getLogger("bt").setLevel(logging.ERROR)
        n_bt = min(n_ext, 20)
        cols = [f"c{i}" for i in range(R.shape[1])]
        idx = pd.DatetimeIndex([days[0] - pd.Timedelta(days=1), *days])
        px = pd.DataFrame(price, index=idx, columns=cols)

        def run_bt(n: int) -> np.ndarray:
            out = []
            for s in range(n):
                tw = pd.DataFrame(W[s], index=idx[order_rows], columns=cols)
                strat = bt.Strategy(f"s{s}", [bt.algos.RunOnDate(*tw.index),
                                              bt.algos.WeighTarget(tw), bt.algos.Rebalance()])
                res = bt.run(bt.Backtest(strat, px, initial_capital=1e6, integer_positions=False,
                                         progress_bar=False))
                p = res.prices[f"s{s}"].to_numpy()[-(len(days) + 1):]  # bt adds a first row
                out.append(p[1:] / p[0] * 100)
            return np.array(out)

        lv_bt, t_bt, _ = timed(lambda: run_bt(n_bt), 1)
        rows.append((f"bt {getattr(bt, '__version__', '?')} WeighTarget + Rebalance", t_bt / n_bt,
                     n_bt, agree(lv_bt)))
    except ImportError:
        ext_notes.append("bt not installed (pip install -e '.[bench]')")

    # ---- report -------------------------------------------------------------------------------
    def fmt(sec: float) -> str:
        return f"{sec * 1e6:,.1f} µs" if sec < 1e-3 else f"{sec * 1e3:,.2f} ms"

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    held = (~np.isnan(b.weights[0])).sum(axis=1)          # names held in each segment
    print(f"{S} schemes x {R.shape[1]} names ({held.min()}-{held.max()} held at a time) x "
          f"{len(days)} sessions ({days[0].date()}..{days[-1].date()}), {int(mask.sum())} weight "
          f"sets (the first day and each segment start), cap 8%; BLAS threads {args.threads}; "
          f"load average {load_start:.1f} at the start, {load:.1f} at the end ({os.cpu_count()} "
          f"CPUs); panel load {t_panel:.2f} s (excluded)")
    print()
    print("| path | time per scheme (best) | schemes timed | max abs level diff vs loop |")
    print("|---|---|---|---|")
    for label, sec, n, d in rows:
        print(f"| {label} | {fmt(sec)} | {n} | {'0 (reference)' if np.isnan(d) else f'{d:.1e}'} |")
    print()
    def target(sec: float) -> str:
        return "met" if sec < 0.2 else "NOT met"

    print(f"real batched path, {S} schemes (target < 0.2 s), cold: best {t_batch:.3f} s "
          f"({target(t_batch)}), median {t_batch_med:.3f} s ({target(t_batch_med)}); warm (fits "
          f"and reference tables remembered from an earlier call): best {t_warm:.3f} s "
          f"({target(t_warm)}), median {t_warm_med:.3f} s ({target(t_warm_med)})")
    print(f"  of which the shared implied-weight fits ({fit_calls[0]} fits for {len(b.fitted)} "
          f"rebalances, once for all schemes): {fit_time[0]:.3f} s of {t_split:.3f} s in a "
          "separate cold run")
    per = {label: sec for label, sec, _, _ in rows}
    loop_s = t_loop / n_loop
    print(f"ratios (same run): loop / batched real path = {loop_s / (t_batch / S):.0f}x; "
          f"batched real path / plain numpy = {(t_batch / S) / (t_np / S):.0f}x; "
          f"kernel / plain numpy = {t_kern / t_np:.2f}x")
    for label, sec in per.items():
        if label.startswith(("vectorbt", "bt ")):
            r = sec / (t_batch / S)
            target = " (target >= 10x: " + ("met" if r >= 10 else "NOT met") + ")" \
                if label.startswith("vectorbt") else ""
            print(f"  {label.split(' ')[0]} / batched real path = {r:.1f}x{target}; "
                  f"{label.split(' ')[0]} / kernel = {sec / (t_kern / S):.0f}x")
    for note in ext_notes:
        print("note:", note)
    worst = max(d for _, _, _, d in rows if not np.isnan(d))
    print(f"agreement: every engine within {worst:.1e} of the per-scheme loop (levels, base 100)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
