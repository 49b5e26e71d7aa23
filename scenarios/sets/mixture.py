"""Mixture numbers: which component each draw comes from, and the mixture's statistics.

Draw assignment (reproducible): the set's seed ``s`` seeds
``numpy.random.SeedSequence(s, spawn_key=(stream_key("set/assignment"),))``; ``N`` uniforms ``u_i``
from it pick the component ``c_i`` = the first ``c`` with ``u_i < p_1 + ... + p_c`` (inverse CDF of
the categorical distribution; a zero probability is never picked). Component ``c`` is then run with
``n_c = #{i: c_i = c}`` draws on its own seed, and the ``k``-th draw assigned to ``c`` (in draw
order) is the component's ``k``-th draw. Since the engine's first ``k`` draws do not depend on the
draw count, draw ``i`` is the same number whatever ``N`` (for the same ``c_i``), and a set with one
component at probability 1 reproduces that component's run exactly.

Statistics are of the pooled mixture draws (they are i.i.d. draws of the mixture). Monte Carlo
standard errors: the mean ``sd / sqrt(N)``; P(up) ``sqrt(p (1 - p) / N)``; a quantile ``q`` by
the order-statistic rule ``(Q(q + s) - Q(q - s)) / 2`` with ``s = sqrt(q (1 - q) / N)`` (the
quantile's standard error is the spread of the CDF's sampling error mapped through the
empirical quantile function; no density estimate needed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from scenarios.engine.sampling import stream_key

__all__ = ["ASSIGNMENT_KEY", "MixtureStats", "assemble", "assign_components", "mixture_stats",
           "quantile_se"]

ASSIGNMENT_KEY = "set/assignment"


def assign_components(probabilities: Sequence[float], draws: int, seed: int) -> np.ndarray:
    """Component index of each draw, shape ``(draws,)`` (int), see the module docstring.

    Parameters
    ----------
    probabilities : sequence of float
        Component probabilities (fractions, summing to 1).
    draws : int
        Number of mixture draws ``N >= 1``.
    seed : int
        The set's seed.
    """
    p = np.asarray(probabilities, dtype="float64")
    if p.ndim != 1 or p.size == 0 or np.any(p < 0) or not np.isfinite(p).all():
        raise ValueError("probabilities must be a non-empty vector of numbers >= 0")
    if draws < 1:
        raise ValueError(f"draws must be >= 1 (got {draws})")
    rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(stream_key(ASSIGNMENT_KEY),)))
    u = rng.random(int(draws))
    cum = np.cumsum(p)
    cum = cum / cum[-1]
    cum[-1] = np.inf  # rounding can never push a draw past the last component
    out = np.searchsorted(cum, u, side="right")
    # a zero-probability component has cum equal to its predecessor: searchsorted(side=right)
    # skips it, so it is never picked
    return out.astype(np.intp)


def assemble(labels: np.ndarray, parts: Sequence[np.ndarray | None]) -> np.ndarray:
    """Pooled draws: row ``i`` = the next unused row of ``parts[labels[i]]``.

    ``parts[c]`` holds at least ``#{i: labels[i] = c}`` rows (``(n_c, ...)``; None when no draw
    is assigned to ``c``). Returns ``(N, ...)``.
    """
    shape = next(p.shape[1:] for p in parts if p is not None)
    out = np.empty((labels.size, *shape), dtype="float64")
    for c, part in enumerate(parts):
        idx = np.flatnonzero(labels == c)
        if idx.size:
            if part is None or part.shape[0] < idx.size:
                raise ValueError(f"component {c} has too few draws for its {idx.size} assigned draws")
            out[idx] = part[: idx.size]
    return out


def quantile_se(x: np.ndarray, q: float) -> float:
    """Monte Carlo standard error of the empirical ``q`` quantile of ``x`` (order-statistic rule)."""
    x = x[np.isfinite(x)]
    n = x.size
    if n < 2:
        return float("nan")
    s = np.sqrt(q * (1 - q) / n)
    lo, hi = np.quantile(x, [max(q - s, 0.0), min(q + s, 1.0)])
    return float((hi - lo) / 2)


@dataclass(frozen=True)
class MixtureStats:
    """One line's (symbol or index) mixture statistics (fractions)."""

    mean: float
    median: float
    p05: float
    p95: float
    prob_up: float
    se_mean: float
    se_median: float
    se_p05: float
    se_p95: float
    se_prob_up: float
    component_median: list[float | None]
    component_mean: list[float | None]
    component_weight: list[float]
    component_contribution: list[float | None]
    component_share: list[float | None]


def mixture_stats(x: np.ndarray, labels: np.ndarray, n_components: int) -> list[MixtureStats]:
    """Return the statistics of pooled draws, one per column.

    ``x`` is ``(N, k)`` (one column per line: symbols or the index), the component ``labels``
    ``(N,)``; one :class:`MixtureStats` per column.

    Reductions run over axis 0 exactly as the engine's summary does, so a set with one
    component at probability 1 reproduces that component's numbers bit for bit.
    ``component_weight`` = ``n_c / N`` (the realized share of draws), ``component_contribution``
    = ``n_c / N * mean_c`` (fraction of return; they sum to ``mean`` up to rounding),
    ``component_share`` = contribution / mean (None when ``|mean| < 1e-12``).
    """
    x = np.asarray(x, dtype="float64")
    if x.ndim == 1:
        x = x[:, None]
    n, k = x.shape
    q = np.quantile(x, [0.05, 0.5, 0.95], axis=0)
    mean = x.mean(axis=0)
    up = (x > 0).mean(axis=0)
    sd = x.std(axis=0, ddof=1) if n > 1 else np.full(k, np.nan)
    per_c = []
    for c in range(n_components):
        xc = x[labels == c]
        if xc.shape[0] == 0:
            per_c.append((0.0, None, None))
        else:
            per_c.append((xc.shape[0] / n, np.median(xc, axis=0), xc.mean(axis=0)))
    out: list[MixtureStats] = []
    for j in range(k):
        m = float(mean[j])
        med_c: list[float | None] = []
        mean_c: list[float | None] = []
        contrib: list[float | None] = []
        share: list[float | None] = []
        for w, med, mc in per_c:
            if med is None or mc is None:
                med_c.append(None)
                mean_c.append(None)
                contrib.append(0.0)
                share.append(0.0 if abs(m) >= 1e-12 else None)
                continue
            med_c.append(float(med[j]))
            mean_c.append(float(mc[j]))
            contrib.append(w * float(mc[j]))
            share.append(w * float(mc[j]) / m if abs(m) >= 1e-12 else None)
        p_up = float(up[j])
        out.append(MixtureStats(
            mean=m, median=float(q[1, j]), p05=float(q[0, j]), p95=float(q[2, j]), prob_up=p_up,
            se_mean=float(sd[j] / np.sqrt(n)) if n > 1 else float("nan"),
            se_median=quantile_se(x[:, j], 0.5), se_p05=quantile_se(x[:, j], 0.05),
            se_p95=quantile_se(x[:, j], 0.95), se_prob_up=float(np.sqrt(p_up * (1 - p_up) / n)),
            component_median=med_c, component_mean=mean_c, component_weight=[w for w, _, _ in per_c],
            component_contribution=contrib, component_share=share))
    return out
