"""Index weights implied by returns: constrained least squares on the (capped) simplex.

Given constituent returns ``X`` (T days x N names) and the index's returns ``y`` (T,), find weights

    minimize   (1/T) ||X w - y||^2  +  ridge * s * ||w - prior||^2
    subject to w >= 0,  sum(w) = 1,  w <= cap

where ``s = trace(X'X / T) / N`` (the average second moment of the constituent returns) makes
``ridge`` scale-free: ``ridge=1`` pulls toward ``prior`` about as hard as the data pull toward the
fit. The problem is a convex QP; it is solved in two stages:

1. accelerated projected gradient (FISTA with adaptive restart) using the EXACT Euclidean
   projection onto ``{0 <= w <= cap, sum w = 1}`` (breakpoint search), to get near the optimum
   and its active set;
2. a primal active-set method on the KKT system (Nocedal & Wright, Algorithm 16.3), started from
   that point: it solves the equality-constrained subproblem on the free names exactly, moves to
   the nearest blocking bound, and releases bounds whose multipliers have the wrong sign, until the
   KKT conditions hold to ``tol``. The result is exact to linear-solve precision (weights from
   noiseless synthetic returns are recovered to ~1e-12).

Model choice (``model=``): ``"returns"`` (default) fits constant weights to daily returns (what
a daily-rebalanced index would do); ``"buy_and_hold"`` fits the weights at the START of the window
to the cumulative index level, ``I_t / I_0 = sum_i w_i G_{t,i}`` with ``G`` the cumulative
constituent growth: that is exact for a cap-weighted index between two rebalances (weights drift
with prices), so use it on a window inside one review period.

NaN handling (``nan_policy=``): names whose returns are all NaN get weight 0 and are left out
first. Then ``"drop_rows"`` (default) drops the days where any remaining constituent or the index
is NaN; ``"exclude_names"`` keeps all days with an index return and gives weight 0 to every name
with any NaN; ``"zero"`` reads NaN constituent returns as 0 (and drops days with a NaN index
return); ``"raise"`` raises on any NaN.

Note: HSI/HSTECH are price indexes, the snapshot's stock closes are dividend-adjusted (total
returns), so on ex-dividend days the fit carries small residuals; the diagnostics show how much.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from .._types import ArrayLike, FloatArray
from .._validate import as_float_array, check_finite, check_range
from ..exceptions import InfeasibleCapError, InputRangeError, InputShapeError

__all__ = ["ImpliedWeights", "implied_weights", "project_capped_simplex", "solve_simplex_qp"]

NanPolicy = Literal["drop_rows", "exclude_names", "zero", "raise"]
Model = Literal["returns", "buy_and_hold"]


@dataclass(frozen=True)
class ImpliedWeights:
    """Result of :func:`implied_weights`.

    Attributes
    ----------
        weights: ``(N,)`` non-negative, sum to 1 (a Series labelled like the constituents' columns
            when those were a DataFrame).
        r2: coefficient of determination of the fitted daily index returns (1 = perfect).
        residual_std: standard deviation of the daily return residuals (fraction per day, ddof=1).
        tracking_error: ``residual_std * sqrt(252)``, annualized (fraction per year).
        fitted, residuals: ``(n_obs,)`` fitted index returns and residuals on the days used.
        n_obs: days used; n_dropped: days dropped for NaN.
        excluded: names given weight 0 by the NaN policy (positions or labels).
        identifiable: the constituent returns have full column rank on the free names (else the
            weights are not unique and ``ridge`` > 0 is advisable).
        iterations: FISTA iterations + active-set iterations; converged: KKT conditions met.
        kkt_violation: largest violation of the KKT conditions at the solution (scaled).
        effective_n: ``1 / sum(w^2)``.
    """

    weights: Any
    r2: float
    residual_std: float
    tracking_error: float
    fitted: Any
    residuals: Any
    n_obs: int
    n_dropped: int
    excluded: list[Any]
    identifiable: bool
    iterations: int
    converged: bool
    kkt_violation: float
    effective_n: float

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        """``np.asarray(result)`` gives the weights (N,)."""
        return np.array(self.weights, dtype=dtype if dtype is not None else np.float64)


# --------------------------------------------------------------------------------------------
# projection and solver
# --------------------------------------------------------------------------------------------
def project_capped_simplex(v: FloatArray, cap: FloatArray | float = 1.0) -> FloatArray:
    """Euclidean projection of ``v`` (N,) onto ``{x : 0 <= x <= cap, sum x = 1}`` (exact).

    The projection is ``clip(v - tau, 0, cap)`` with ``tau`` solving a piecewise-linear monotone
    equation; the breakpoints ``v_i`` and ``v_i - cap_i`` are sorted and the root is found by
    linear interpolation on its segment. Requires ``sum(cap) >= 1``.
    """
    v = np.asarray(v, dtype=np.float64)
    c = np.minimum(np.broadcast_to(np.asarray(cap, dtype=np.float64), v.shape), 1.0)
    if c.sum() < 1.0 - 1e-12:
        raise InfeasibleCapError(f"project_capped_simplex: caps add up to {c.sum():.6g} < 1")
    return _project(v, c)


def _project(v: FloatArray, c: FloatArray) -> FloatArray:
    """:func:`project_capped_simplex` on checked inputs.

    ``v`` and ``c`` are float64 ``(N,)``, ``c <= 1`` with ``sum(c) >= 1``. The same operations
    in the same order as the public function (bit for bit), with fewer temporaries: it runs once
    per FISTA iteration of :func:`solve_simplex_qp`.
    """
    bps = np.concatenate((v, v - c))
    bps.sort()
    d = v[None, :] - bps[:, None]
    np.maximum(d, 0.0, out=d)
    np.minimum(d, c, out=d)
    sums = np.add.reduce(d, axis=1)
    # sums[0] = sum(c) >= 1, sums[-1] = 0 < 1: find j with sums[j] >= 1 > sums[j + 1]
    j = int((-sums).searchsorted(-1.0, side="right")) - 1
    j = min(max(j, 0), len(bps) - 2)
    lo, hi = bps[j], bps[j + 1]
    s_lo, s_hi = sums[j], sums[j + 1]
    tau = lo if s_lo == s_hi else lo + (s_lo - 1.0) * (hi - lo) / (s_lo - s_hi)
    x = cast(FloatArray, (v - tau).clip(0.0, c))
    # remove the last rounding error on the free coordinates
    free = (x > 0) & (x < c)
    n_free = np.count_nonzero(free)
    if n_free:
        # x[free] += adj, as one product: the other entries (0 or their cap) gain +-0.0
        x += free * ((1.0 - np.add.reduce(x)) / n_free)
        x = x.clip(0.0, c)
    return x


def _kkt_step(Q: FloatArray, grad: FloatArray, free: np.ndarray) -> tuple[FloatArray, float]:
    """Minimize 0.5 p'Qp + grad'p with p = 0 off ``free`` and sum(p) = 0: returns (p, nu)."""
    idx = np.flatnonzero(free)
    k = idx.size
    K = np.zeros((k + 1, k + 1))
    K[:k, :k] = Q[np.ix_(idx, idx)]
    K[:k, k] = -1.0
    K[k, :k] = -1.0
    rhs = np.concatenate([-grad[idx], [0.0]])
    try:
        sol = np.linalg.solve(K, rhs)
        if not np.all(np.isfinite(sol)):
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        sol = np.linalg.lstsq(K, rhs, rcond=None)[0]
    p = np.zeros_like(grad)
    p[idx] = sol[:k]
    return p, float(sol[k])


def solve_simplex_qp(Q: FloatArray, c: FloatArray, cap: FloatArray | float = 1.0, *,
                     x0: FloatArray | None = None, tol: float = 1e-12,
                     max_iter: int = 5000) -> tuple[FloatArray, int, bool, float]:
    """Minimize ``0.5 x'Qx - c'x`` over ``{0 <= x <= cap, sum x = 1}`` (Q symmetric PSD).

    Returns ``(x, iterations, converged, kkt_violation)``; see the module docstring for the
    method. ``tol`` is relative to the scale of ``Q`` and ``c``.
    """
    n = c.size
    caps = np.minimum(np.broadcast_to(np.asarray(cap, dtype=np.float64), (n,)), 1.0).copy()
    scale = max(float(np.abs(Q).max()), float(np.abs(c).max()), 1e-300)
    Qs, cs = Q / scale, c / scale
    x = project_capped_simplex(np.full(n, 1.0 / n) if x0 is None else x0, caps)
    # --- stage 1: FISTA with adaptive restart -----------------------------------------------
    lip = float(np.linalg.eigvalsh(Qs)[-1]) if n > 1 else float(Qs[0, 0])
    lip = max(lip, 1e-12)
    y, t = x.copy(), 1.0
    f_old = 0.5 * x @ Qs @ x - cs @ x
    it = 0
    # FISTA only has to find the active set: stop once it has been stable for a while
    fista_iter = min(max_iter, 3 * n + 100)
    # the active set as bytes: (at 0, at the cap and not at 0), one byte per name each
    pattern = bytes(2 * n)
    cap_tol = caps - 1e-12
    stable = 0
    for it in range(1, fista_iter + 1):  # noqa: B007 (the count is returned after the loop)
        g = Qs @ y - cs
        x_new = _project(y - g / lip, caps)
        f_new = 0.5 * x_new @ Qs @ x_new - cs @ x_new
        if f_new > f_old:  # restart momentum
            t = 1.0
            y = x.copy()
            continue
        t_new = 0.5 * (1.0 + math.sqrt(1.0 + 4.0 * t * t))
        d = x_new - x
        y = x_new + ((t - 1.0) / t_new) * d
        step = float(np.abs(d).max())
        x, t, f_old = x_new, t_new, f_new
        at_0 = x <= 1e-12
        new_pattern = at_0.tobytes() + ((x >= cap_tol) > at_0).tobytes()
        stable = stable + 1 if new_pattern == pattern else 0
        pattern = new_pattern
        if step < 1e-10 or stable >= 50:
            break
    # --- stage 2: primal active set on the KKT system ----------------------------------------
    eps = 1e-13
    status = np.zeros(n, dtype=np.int8)  # -1 at 0, +1 at cap, 0 free
    status[x <= eps] = -1
    status[(x >= caps - eps) & (status == 0)] = 1
    x = np.where(status == -1, 0.0, np.where(status == 1, caps, x))
    if np.any(status == 0):
        x[status == 0] += (1.0 - x.sum()) / np.count_nonzero(status == 0)
    converged = False
    viol = np.inf
    as_iter = 0
    full_step = False  # the last move solved the subproblem on the current free set
    for as_iter in range(1, 20 * n + 200):  # noqa: B007 (the count is returned after the loop)
        free = status == 0
        g = Qs @ x - cs
        if free.any():
            p, nu = _kkt_step(Qs, g, free)
        else:
            p = np.zeros(n)
            lower, upper = g[status == -1], g[status == 1]
            nu = float(np.max(upper)) if upper.size else float(np.min(lower))
        if full_step or np.abs(p).max() <= 1e-13:
            full_step = False
            lam = np.where(status == -1, g - nu, np.where(status == 1, nu - g, 0.0))
            j = int(np.argmin(lam))
            stat = float(np.abs(g[free] - nu).max()) if free.any() else 0.0
            viol = max(stat, -float(lam[j]), 0.0)
            if lam[j] >= -tol:
                converged = True
                break
            status[j] = 0  # release the most violated bound
            continue
        # longest feasible step along p (at most 1)
        alpha, block, block_kind = 1.0, -1, 0
        neg = free & (p < 0)
        if neg.any():
            ratios = -x[neg] / p[neg]
            i = int(np.argmin(ratios))
            if ratios[i] < alpha:
                alpha, block, block_kind = float(ratios[i]), int(np.flatnonzero(neg)[i]), -1
        pos = free & (p > 0)
        if pos.any():
            ratios = (caps[pos] - x[pos]) / p[pos]
            i = int(np.argmin(ratios))
            if ratios[i] < alpha:
                alpha, block, block_kind = float(ratios[i]), int(np.flatnonzero(pos)[i]), 1
        x = x + max(alpha, 0.0) * p
        full_step = block < 0
        if block >= 0:
            status[block] = block_kind
            x[block] = 0.0 if block_kind == -1 else caps[block]
        x = np.clip(x, 0.0, caps)
    return x, it + as_iter, converged, viol


# --------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------
def implied_weights(constituent_returns: ArrayLike, index_returns: ArrayLike, *,
                    cap: ArrayLike | None = None, prior: ArrayLike | None = None,
                    ridge: float = 0.0, nan_policy: NanPolicy = "drop_rows",
                    model: Model = "returns", periods_per_year: int = 252,
                    tol: float = 1e-12) -> ImpliedWeights:
    """Non-negative weights summing to 1 that best reproduce the index's returns.

    Args:
        constituent_returns: ``(T, N)`` daily simple returns (fractions; NaN see module docstring).
        index_returns: ``(T,)`` daily simple returns of the index (fractions).
        cap: optional cap per name (scalar or ``(N,)``, fraction in (0, 1]); 0.08 for HSI/HSTECH.
        prior: weights to shrink toward when ``ridge > 0`` (``(N,)``, >= 0, renormalized; default
            equal weights over the usable names).
        ridge: scale-free shrinkage strength (>= 0, see module docstring).
        nan_policy: ``"drop_rows"`` | ``"exclude_names"`` | ``"zero"`` | ``"raise"``.
        model: ``"returns"`` (constant weights) or ``"buy_and_hold"`` (start-of-window weights that
            drift with prices).
        periods_per_year: used to annualize the tracking error (252 trading days).
        tol: KKT tolerance of the solver (relative).

    Returns
    -------
        :class:`ImpliedWeights` with the weights and fit diagnostics (R^2, residual std).
    """
    f = "implied_weights"
    X = as_float_array(constituent_returns, "constituent_returns", f)
    y = as_float_array(index_returns, "index_returns", f)
    if X.ndim != 2:
        raise InputShapeError(f"{f}: constituent_returns must be 2-D (T, N); got {X.shape}")
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise InputShapeError(f"{f}: index_returns must be ({X.shape[0]},) to match "
                              f"constituent_returns{X.shape}; got {y.shape}")
    if isinstance(constituent_returns, pd.DataFrame) and isinstance(index_returns, pd.Series):
        if not constituent_returns.index.equals(index_returns.index):
            raise InputShapeError(f"{f}: index_returns and constituent_returns have different "
                                  "dates; align them first (e.g. X.align(y, join='inner', axis=0))")
    if nan_policy not in ("drop_rows", "exclude_names", "zero", "raise"):
        raise InputRangeError(f"{f}: nan_policy must be 'drop_rows', 'exclude_names', 'zero' or "
                              f"'raise' (got {nan_policy!r})")
    if model not in ("returns", "buy_and_hold"):
        raise InputRangeError(f"{f}: model must be 'returns' or 'buy_and_hold' (got {model!r})")
    if not (isinstance(ridge, (int, float)) and np.isfinite(ridge) and ridge >= 0):
        raise InputRangeError(f"{f}: ridge must be a finite number >= 0 (got {ridge!r})")
    check_finite(X, "constituent_returns", f, allow_nan=nan_policy != "raise")
    check_finite(y, "index_returns", f, allow_nan=nan_policy != "raise")
    check_range(X, "constituent_returns", f, gt=-1.0)
    check_range(y, "index_returns", f, gt=-1.0)
    T, N = X.shape
    if N == 0:
        raise InputShapeError(f"{f}: no constituents")

    caps = np.ones(N)
    if cap is not None:
        c = as_float_array(cap, "cap", f)
        check_finite(c, "cap", f)
        check_range(c, "cap", f, gt=0.0, le=1.0, fraction=True)
        try:
            caps = np.broadcast_to(c, (N,)).astype(np.float64).copy()
        except ValueError:
            raise InputShapeError(f"{f}: cap must be a scalar or ({N},); got {c.shape}") from None

    # --- NaN handling ---------------------------------------------------------------------
    usable = ~np.all(np.isnan(X), axis=0)
    if nan_policy == "exclude_names":
        usable &= ~np.any(np.isnan(X), axis=0)
    rows = ~np.isnan(y)
    Xu = X[:, usable]
    if nan_policy == "drop_rows":
        rows &= ~np.any(np.isnan(Xu), axis=1)
    Xu = Xu[rows]
    if nan_policy == "zero":
        Xu = np.where(np.isnan(Xu), 0.0, Xu)
    yu = y[rows]
    n_obs, n_use = Xu.shape
    if n_use == 0:
        raise InputRangeError(f"{f}: no constituent has usable returns")
    if n_obs < 2:
        raise InputRangeError(f"{f}: only {n_obs} day(s) left after dropping NaN "
                              f"(nan_policy={nan_policy!r}); need at least 2")
    caps_u = caps[usable]
    if caps_u.sum() < 1.0 - 1e-12:
        raise InfeasibleCapError(f"{f}: caps of the {n_use} usable names add up to "
                                 f"{caps_u.sum():.4g} < 1; no capped weights can sum to 1")

    # --- design ---------------------------------------------------------------------------
    if model == "buy_and_hold":
        # cumulative returns rather than growth factors: the same objective when sum(w) = 1
        # (G w - I = (G - 1) w - (I - 1)), far better conditioned
        A = np.cumprod(1.0 + Xu, axis=0) - 1.0
        b = np.cumprod(1.0 + yu) - 1.0
    else:
        A, b = Xu, yu
    Q = A.T @ A / n_obs
    q = A.T @ b / n_obs
    if prior is not None:
        if (isinstance(prior, pd.Series) and isinstance(constituent_returns, pd.DataFrame)
                and not prior.index.equals(constituent_returns.columns)):
            raise InputShapeError(f"{f}: prior must be indexed like the constituents' columns; "
                                  "reindex it (missing names -> 0)")
        pr = as_float_array(prior, "prior", f)
        check_finite(pr, "prior", f)
        check_range(pr, "prior", f, ge=0.0)
        if pr.shape != (N,):
            raise InputShapeError(f"{f}: prior must be ({N},); got {pr.shape}")
        pr = pr[usable]
        if pr.sum() <= 0:
            raise InputRangeError(f"{f}: prior has no weight on the usable names")
        pr = pr / pr.sum()
    else:
        pr = np.full(n_use, 1.0 / n_use)
    if ridge > 0:
        s = float(np.trace(Q)) / n_use
        Q = Q + ridge * s * np.eye(n_use)
        q = q + ridge * s * pr
    w_u, iters, converged, viol = solve_simplex_qp(Q, q, caps_u, x0=pr, tol=tol)

    # --- diagnostics (always on daily returns) ------------------------------------------------
    if model == "buy_and_hold":
        G = A + 1.0
        G_prev = np.vstack([np.ones((1, n_use)), G[:-1]])
        fitted = (G @ w_u) / (G_prev @ w_u) - 1.0
    else:
        fitted = Xu @ w_u
    resid = yu - fitted
    ss_tot = float(((yu - yu.mean()) ** 2).sum())
    r2 = 1.0 - float((resid ** 2).sum()) / ss_tot if ss_tot > 0 else float("nan")
    rstd = float(resid.std(ddof=1))
    free = (w_u > 1e-12) & (w_u < caps_u - 1e-12)
    identifiable = True
    if free.any():
        QF = (A[:, free].T @ A[:, free]) / n_obs
        ev = np.linalg.eigvalsh(QF)
        identifiable = bool(ev[0] > 1e-10 * max(ev[-1], 1e-300))
    if ridge > 0:
        identifiable = True

    w = np.zeros(N)
    w[usable] = w_u
    labels: Any = None
    if isinstance(constituent_returns, pd.DataFrame):
        labels = constituent_returns.columns
        weights: Any = pd.Series(w, index=labels, name="weight")
        excluded = list(labels[~usable])
        days = constituent_returns.index[rows]
        fitted_out: Any = pd.Series(fitted, index=days, name="fitted")
        resid_out: Any = pd.Series(resid, index=days, name="residual")
    else:
        weights = w
        excluded = [int(i) for i in np.flatnonzero(~usable)]
        fitted_out, resid_out = fitted, resid
    return ImpliedWeights(
        weights=weights, r2=r2, residual_std=rstd,
        tracking_error=rstd * float(np.sqrt(periods_per_year)),
        fitted=fitted_out, residuals=resid_out, n_obs=int(n_obs), n_dropped=int(T - n_obs),
        excluded=excluded, identifiable=identifiable, iterations=int(iters),
        converged=bool(converged), kkt_violation=float(viol),
        effective_n=float(1.0 / np.sum(w ** 2)),
    )
