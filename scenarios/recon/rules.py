"""Weight rules: how a rule-based index sets its weights at each rebalance.

All weights are fractions of the index (non-negative, summing to 1 after :func:`_normalize`);
``cap`` is a single-name cap as a fraction (8% for HSTECH).

``_normalize`` is kept here rather than calling :func:`valuation.index.weights.normalize`: that
one raises :class:`valuation.exceptions.InputRangeError` (not the user-facing
:class:`~scenarios.errors.DataUnavailableError` with the "all excluded or no data" message this
path needs), rejects NaN instead of skipping it, and sums with numpy rather than pandas (which
can differ in the last bit, and the replica's outputs must stay bit-identical). ``_cap`` wraps
:func:`valuation.index.capping.cap_weights`, adding the equal-weight fallback when fewer than
``1/cap`` names keep a weight.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from scenarios.errors import DataUnavailableError

__all__ = ["DEFAULT_CAP", "Base", "WeightRule"]

#: Hang Seng TECH single-name cap (fraction of index weight).
DEFAULT_CAP: float = 0.08

Base = Literal["implied", "equal", "custom"]


@dataclass(frozen=True)
class WeightRule:
    """How the weights are set at each rebalance.

    ``base``: ``"implied"`` (the weights implied from the actual index: the replica, and the
    market-cap proxy for counterfactuals), ``"equal"`` or ``"custom"`` (``custom_weights``, any
    scale). ``transform``: applied to the base weights (a Series over the names available)
    before capping, e.g. theme tilts or exclusions; it may return any non-negative scale.
    ``cap``: single-name cap (fraction) or None.
    """

    base: Base = "implied"
    cap: float | None = DEFAULT_CAP
    transform: Callable[[pd.Series, pd.Timestamp], pd.Series] | None = None
    custom_weights: Mapping[str, float] | None = None

    def __post_init__(self) -> None:
        if self.base not in ("implied", "equal", "custom"):
            raise ValueError(f"base must be implied, equal or custom (got {self.base!r})")
        if self.cap is not None and not 0 < self.cap <= 1:
            raise ValueError(f"cap must be a fraction in (0, 1] (got {self.cap})")
        if self.base == "custom" and not self.custom_weights:
            raise ValueError("base 'custom' needs custom_weights")


def _normalize(w: pd.Series) -> pd.Series:
    s = float(w.sum())
    if not s > 0:
        raise DataUnavailableError("no constituent keeps a positive weight (all excluded or no data)")
    return w / s


def _cap(w: pd.Series, cap: float | None) -> pd.Series:
    """Cap ``w`` (sum 1) at ``cap``; when infeasible (too few names) fall back to equal weight."""
    if cap is None:
        return w
    from valuation.exceptions import InfeasibleCapError
    from valuation.index.capping import cap_weights

    pos = w[w > 0]
    if cap * len(pos) < 1:
        # fewer than 1/cap names: the cap cannot bind everywhere; equal weight is the limit
        return (w > 0).astype("float64") / len(pos)
    try:
        capped = cap_weights(pos, cap)
    except InfeasibleCapError:
        return (w > 0).astype("float64") / len(pos)
    return pd.Series(np.asarray(capped, dtype="float64"), index=pos.index).reindex(w.index).fillna(0.0)
