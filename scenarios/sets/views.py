"""Black-Litterman views from a set (or any) mixture of return draws, in PyPortfolioOpt's form.

``pypfopt.BlackLittermanModel(cov_matrix, pi=..., absolute_views=..., omega=..., tau=...)``
takes a covariance matrix (a DataFrame indexed and columned by ticker), absolute views as a
``{ticker: expected return}`` dict and either ``omega`` (the views' covariance) or
``omega="idzorek"`` with ``view_confidences`` (one number in [0, 1] per view, in the order of
the views). :func:`views` gives all of them, as plain JSON:

* ``expected_returns``: the mean return across the mixture draws (fraction, to the horizon);
* ``cov_matrix``: the covariance of the returns across draws (``ddof=1``; horizon returns, not
  annualized: scale both by the same factor if the prior is annual);
* ``omega``: diagonal, the view variance read from the band width: a 5%-95% band of width
  ``w`` is that of a normal with standard deviation ``w / (2 x 1.6449)``, so
  ``omega_jj = (w_j / 3.2897)^2``;
* ``view_confidences``: Idzorek's confidence equivalent to that ``omega`` under ``tau``
  (default 0.05): Idzorek sets ``omega_jj = tau x (1 - c) / c x Sigma_jj``, so
  ``c_j = tau Sigma_jj / (tau Sigma_jj + omega_jj)``. A narrower band gives a higher
  confidence; ``omega="idzorek"`` with these confidences and the explicit ``omega`` give the
  same posterior (a test checks it).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["NORMAL_90_WIDTH", "TAU", "views"]

#: Width of the 5%-95% band of a standard normal (2 x 1.6449).
NORMAL_90_WIDTH = 2 * 1.6448536269514722
#: Default Black-Litterman tau (PyPortfolioOpt's default).
TAU = 0.05


def views(returns: np.ndarray, symbols: list[str], *, tau: float = TAU,
          band: tuple[float, float] = (0.05, 0.95)) -> dict[str, Any]:
    """Return views of ``returns`` ``(draws, n_symbols)`` (fractions) for ``symbols``; see the module docstring.

    Raises ``ValueError`` for fewer than two draws or a non-finite draw.
    """
    from scipy.stats import norm

    r = np.asarray(returns, dtype="float64")
    if r.ndim != 2 or r.shape[1] != len(symbols) or r.shape[0] < 2:
        raise ValueError(f"returns must be (draws >= 2, {len(symbols)}), got {r.shape}")
    if not np.isfinite(r).all():
        raise ValueError("returns hold non-finite draws")
    if not 0 < tau:
        raise ValueError(f"tau must be > 0 (got {tau})")
    lo, hi = band
    mu = r.mean(axis=0)
    cov = np.atleast_2d(np.cov(r, rowvar=False, ddof=1))
    q = np.quantile(r, [lo, hi], axis=0)
    width = q[1] - q[0]
    z_width = float(norm.ppf(hi) - norm.ppf(lo))
    omega = (width / z_width) ** 2
    prior = tau * np.diag(cov)
    conf = np.where(prior + omega > 0, prior / np.where(prior + omega > 0, prior + omega, 1.0), 1.0)
    return {
        "format": "pypfopt.BlackLittermanModel",
        "symbols": list(symbols),
        "expected_returns": {s: float(m) for s, m in zip(symbols, mu, strict=True)},
        "cov_matrix": {s: {t: float(cov[i, j]) for j, t in enumerate(symbols)} for i, s in enumerate(symbols)},
        "omega": [[float(omega[i]) if i == j else 0.0 for j in range(len(symbols))]
                  for i in range(len(symbols))],
        "view_confidences": [float(c) for c in conf],
        "band": [lo, hi],
        "band_width": {s: float(w) for s, w in zip(symbols, width, strict=True)},
        "tau": tau,
        "draws": int(r.shape[0]),
        "units": "fractions of price, simple returns to the horizon (not annualized)",
        "confidence_rule": (f"omega_jj = (band width / {z_width:.4f})^2 (normal-equivalent variance of "
                            f"the {100 * lo:g}%-{100 * hi:g}% band); view_confidences = "
                            "tau Sigma_jj / (tau Sigma_jj + omega_jj) (Idzorek's equivalent)"),
    }
