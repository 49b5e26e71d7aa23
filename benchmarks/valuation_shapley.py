"""Benchmark: exact Shapley attribution from coalition values vs the brute-force average over
every order of the drivers.

Builds random coalition values for ``--drivers`` drivers and ``--symbols`` symbols, times
:func:`valuation.attribution.shapley_from_coalitions` (vectorised over symbols, 2 ** n coalitions)
and the textbook average of marginal contributions over all n! orders (on ``--brute-drivers``
drivers, where n! stays small), checks that both agree and prints the times and the ratio on the
same size. Also times the full 12-driver case, the largest the engine attributes exactly.

    python benchmarks/valuation_shapley.py [--symbols 30] [--brute-drivers 8] [--repeat 3]
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import best_of  # noqa: E402

from valuation.attribution import MAX_DRIVERS, shapley_from_coalitions  # noqa: E402


def brute_force(v: np.ndarray) -> np.ndarray:
    """Average marginal contribution over all n! orders."""
    n = v.shape[0].bit_length() - 1
    out = np.zeros((n,) + v.shape[1:])
    for order in itertools.permutations(range(n)):
        s = 0
        for i in order:
            out[i] += v[s | 1 << i] - v[s]
            s |= 1 << i
    return out / math.factorial(n)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--symbols", type=int, default=30)
    ap.add_argument("--brute-drivers", type=int, default=8)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)

    n = args.brute_drivers
    v = rng.normal(size=(1 << n, args.symbols))
    exact = best_of(lambda: shapley_from_coalitions(v), args.repeat)
    brute = best_of(lambda: brute_force(v), 1)
    err = float(np.max(np.abs(shapley_from_coalitions(v) - brute_force(v))))
    print(f"{n} drivers x {args.symbols} symbols: exact {exact * 1e3:.2f} ms, brute force over "
          f"{math.factorial(n)} orders {brute * 1e3:.0f} ms, ratio {brute / exact:.0f}x, "
          f"max abs difference {err:.1e}")

    v12 = rng.normal(size=(1 << MAX_DRIVERS, args.symbols))
    t12 = best_of(lambda: shapley_from_coalitions(v12), args.repeat)
    phi = shapley_from_coalitions(v12)
    eff = float(np.max(np.abs(phi.sum(axis=0) - (v12[-1] - v12[0]))))
    print(f"{MAX_DRIVERS} drivers x {args.symbols} symbols: exact {t12 * 1e3:.2f} ms "
          f"(efficiency error {eff:.1e})")


if __name__ == "__main__":
    main()
