"""Turnover between two weight vectors.

One-way turnover = ``0.5 * sum(|w_after - w_before|)`` over names (last axis): the fraction of the
portfolio sold (equal to the fraction bought when both rows sum to 1). Replacing one 5% name by
another is a turnover of 5%; the two-way figure (sum of buys and sells) is twice that.
"""

from __future__ import annotations

from typing import cast

import numpy as np
import pandas as pd

from .._types import ArrayLike, FloatArray
from .._validate import Inputs

__all__ = ["turnover"]


def turnover(w_before: ArrayLike, w_after: ArrayLike, *, two_way: bool = False) -> ArrayLike:
    """One-way turnover ``0.5 * sum|dw|`` per row (fraction); ``two_way=True`` gives ``sum|dw|``.

    Args:
        w_before: weights before (names on the last axis; finite).
        w_after: weights after, broadcastable to ``w_before``.

    Returns
    -------
        ``float`` for vectors; an array with one value per row for 2-D inputs (a Series indexed by
        the rows for DataFrames).
    """
    inp = Inputs("turnover", w_before=w_before, w_after=w_after)
    a = inp.get("w_before")
    b = inp.get("w_after")
    inp.broadcast()
    out = np.abs(b - a).sum(axis=-1) * (1.0 if two_way else 0.5)
    t = inp.template
    if isinstance(t, pd.DataFrame):
        return pd.Series(out, index=t.index, name="turnover")
    if np.ndim(out) == 0:
        return float(out)
    return cast(FloatArray, out)
