"""Row-wise helpers for weight vectors (weights live on the LAST axis)."""

from __future__ import annotations

from typing import cast

import numpy as np

from .._types import FloatArray
from .._validate import first_position
from ..exceptions import InputRangeError


def normalize_rows(w: FloatArray, name: str, func: str) -> FloatArray:
    """Divide each row (last axis) by its sum; rows summing to 0 raise."""
    total = w.sum(axis=-1, keepdims=True)
    bad = total[..., 0] <= 0 if w.ndim > 0 else total <= 0
    if np.any(bad):
        where = "" if w.ndim <= 1 else f" (row {first_position(np.asarray(bad))}; " \
            f"{int(np.count_nonzero(bad))} of {bad.size} rows)"
        raise InputRangeError(f"{func}: {name} has no positive weight to normalize{where}")
    return cast(FloatArray, w / total)
