"""Mean reversion of valuation multiples toward a target (historical average, peer level).

The gap to the target closes exponentially with a half-life::

    m(h) = current + (target - current) * (1 - 2 ** (-h / half_life))

``half_life_years = inf`` means no reversion; ``horizon_years = 0`` returns ``current``; after one
half-life half the gap is closed.

Example (seed ``004_a21b631c504863c9.txt``, Feb 2025): the Hang Seng TECH forward P/E was 17.4
against a five-year average of 24.5; with a one-year half-life, a one-year horizon gives 20.95,
i.e. a re-rating of 20.95 / 17.4 - 1 = +20.4%.
"""

from __future__ import annotations

import numpy as np

from ._types import ArrayLike
from ._validate import Inputs

__all__ = ["reversion_fraction", "revert_multiple", "reversion_rerating", "half_life_from_rate"]


def reversion_fraction(horizon_years: ArrayLike, half_life_years: ArrayLike) -> ArrayLike:
    """Fraction of the gap closed after ``horizon_years``: ``1 - 2 ** (-horizon / half_life)``.

    Args:
        horizon_years: elapsed time in years (>= 0, finite).
        half_life_years: half-life in years (> 0; ``inf`` allowed = never reverts).
    """
    inp = Inputs("reversion_fraction", horizon_years=horizon_years, half_life_years=half_life_years)
    h = inp.get("horizon_years", ge=0.0, unit="years")
    hl = inp.get("half_life_years", gt=0.0, allow_inf=True, unit="years")
    inp.broadcast()
    return inp.wrap(-np.expm1(-np.log(2.0) * h / hl))


def revert_multiple(current: ArrayLike, target: ArrayLike, horizon_years: ArrayLike,
                    half_life_years: ArrayLike) -> ArrayLike:
    """Multiple after ``horizon_years`` of exponential reversion toward ``target``.

    Args:
        current: multiple today (> 0, plain ratio, e.g. P/E 17.4).
        target: multiple it reverts to (> 0).
        horizon_years: years ahead (>= 0).
        half_life_years: years to close half the gap (> 0, ``inf`` = no reversion).

    Returns
    -------
        ``current + (target - current) * (1 - 2 ** (-horizon / half_life))``; always between
        ``current`` and ``target``.
    """
    inp = Inputs("revert_multiple", current=current, target=target, horizon_years=horizon_years,
                 half_life_years=half_life_years)
    c = inp.get("current", gt=0.0)
    t = inp.get("target", gt=0.0)
    inp.get("horizon_years", ge=0.0, unit="years")
    inp.get("half_life_years", gt=0.0, allow_inf=True, unit="years")
    inp.broadcast()
    frac = np.asarray(reversion_fraction(inp.arrays["horizon_years"], inp.arrays["half_life_years"]))
    return inp.wrap(c + (t - c) * frac)


def reversion_rerating(current: ArrayLike, target: ArrayLike, horizon_years: ArrayLike,
                       half_life_years: ArrayLike) -> ArrayLike:
    """Return simple change of the multiple from reversion (fraction): ``revert_multiple(...) / current - 1``."""
    inp = Inputs("reversion_rerating", current=current, target=target,
                 horizon_years=horizon_years, half_life_years=half_life_years)
    c = inp.get("current", gt=0.0)
    m = np.asarray(revert_multiple(c, inp.get("target", gt=0.0),
                                   inp.get("horizon_years", ge=0.0),
                                   inp.get("half_life_years", gt=0.0, allow_inf=True)))
    return inp.wrap(m / c - 1.0)


def half_life_from_rate(annual_rate: ArrayLike) -> ArrayLike:
    """Half-life in years of a gap that closes a fraction ``annual_rate`` per year (0 < rate <= 1; 0 gives ``inf``).

    ``log(2) / -log(1 - rate)``.
    """
    inp = Inputs("half_life_from_rate", annual_rate=annual_rate)
    r = inp.get("annual_rate", ge=0.0, le=1.0, fraction=True)
    with np.errstate(divide="ignore"):
        out = np.log(2.0) / np.abs(np.log1p(-r))
    return inp.wrap(out)
