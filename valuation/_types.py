"""Type aliases shared by the ``valuation`` package (one place, like skfolio's ``typing``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = [
    "Scalar",
    "FloatArray",
    "BoolArray",
    "IntArray",
    "PandasLike",
    "ArrayLike",
    "OnInvalid",
]

#: A plain number.
Scalar: TypeAlias = float | int | np.floating | np.integer
#: A float64 numpy array of any shape (the internal currency of every function).
FloatArray: TypeAlias = npt.NDArray[np.float64]
#: A boolean numpy array.
BoolArray: TypeAlias = npt.NDArray[np.bool_]
#: An integer numpy array.
IntArray: TypeAlias = npt.NDArray[np.int64]
#: A labelled pandas input/output.
PandasLike: TypeAlias = pd.Series | pd.DataFrame
#: Anything a public function accepts as numbers. Outputs have the same kind as the inputs:
#: scalars in -> ``float`` out, numpy in -> numpy out, pandas in -> pandas out (labels kept).
ArrayLike: TypeAlias = (Scalar | FloatArray | npt.NDArray[np.generic] | pd.Series | pd.DataFrame | Sequence[float]
                        | Sequence[Sequence[float]])
#: What to do when inputs are valid numbers but the result is economically undefined
#: (a price from negative earnings, a P/E of a loss-maker): raise, or return NaN there.
OnInvalid: TypeAlias = Literal["raise", "nan"]
