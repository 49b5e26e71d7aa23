"""CRPS of ensembles: the sorted-ensemble formula vs references measured in the same run.

Scores a (draws x symbols) ensemble (the engine's shape) against realized returns with
``scenarios.metrics.crps_ensemble`` (O(m log m) per column), and compares with
``properscoring.crps_ensemble`` (the reference implementation, if installed) and the direct
O(m^2) pairwise definition (on a smaller ensemble, memory-bound). Prints times, speed ratios
and the largest absolute difference (they must agree to ~1e-12).

    python benchmarks/backtest_crps.py [--draws 5000] [--symbols 30] [--repeat 5]
"""

from __future__ import annotations

import argparse

import numpy as np
from _timing import best_of

from scenarios.metrics import crps_ensemble


def pairwise(ens: np.ndarray, y: np.ndarray) -> np.ndarray:
    m = ens.shape[0]
    out = np.empty(ens.shape[1])
    for j in range(ens.shape[1]):
        x = ens[:, j]
        out[j] = np.abs(x - y[j]).mean() - np.abs(x[:, None] - x[None, :]).sum() / (2 * m * m)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, default=5000)
    ap.add_argument("--symbols", type=int, default=30)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    ens = rng.normal(0.05, 0.2, (a.draws, a.symbols))
    y = rng.normal(0.0, 0.25, a.symbols)

    t_ours = best_of(lambda: crps_ensemble(ens, y), a.repeat)
    ours = crps_ensemble(ens, y)
    print(f"ensemble {a.draws} draws x {a.symbols} symbols")
    print(f"  sorted formula (ours), {a.draws} draws {1e3 * t_ours:9.2f} ms   (ours = {ours.mean():.5f} mean)")
    # the references are memory-bound (properscoring without numba builds m x m arrays): run
    # them on at most 1000 draws and compare with ours on the same slice
    m_ref = min(a.draws, 1000)
    small = ens[:m_ref]
    t_small = best_of(lambda: crps_ensemble(small, y), a.repeat)
    ours_small = crps_ensemble(small, y)
    print(f"  sorted formula (ours), {m_ref} draws {1e3 * t_small:9.2f} ms")
    try:
        import properscoring

        t_ps = best_of(lambda: properscoring.crps_ensemble(y, small.T), a.repeat)
        ref = properscoring.crps_ensemble(y, small.T)
        print(f"  properscoring, {m_ref} draws        {1e3 * t_ps:9.2f} ms   ratio {t_ps / t_small:6.1f}x   "
              f"max |diff| {np.max(np.abs(ref - ours_small)):.2e}")
    except ImportError:
        print("  properscoring not installed: reference skipped")
    t_pw = best_of(lambda: pairwise(small, y), 1)
    diff = np.max(np.abs(pairwise(small, y) - ours_small))
    print(f"  pairwise O(m^2), {m_ref} draws      {1e3 * t_pw:9.2f} ms   ratio {t_pw / t_small:6.1f}x   "
          f"max |diff| {diff:.2e}")

if __name__ == "__main__":
    main()
