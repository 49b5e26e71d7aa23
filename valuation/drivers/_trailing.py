"""Wrapping of results that gain a trailing axis (years, days)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._types import ArrayLike, FloatArray
from .._validate import Inputs


def wrap_trailing(inp: Inputs, result: FloatArray, labels: list[int], axis_name: str) -> ArrayLike:
    """Scalar inputs -> 1-D ndarray.

    Series inputs -> DataFrame (rows = the Series' index, columns =
    ``labels``); numpy -> ndarray with the extra trailing axis; DataFrame inputs -> 3-D ndarray.
    """
    t = inp.template
    if isinstance(t, pd.Series) and result.ndim == 2 and result.shape[0] == len(t):
        return pd.DataFrame(result, index=t.index,
                            columns=pd.Index(labels, name=axis_name))
    return np.asarray(result)
