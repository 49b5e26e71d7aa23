"""Shared input handling: coercion to float64 arrays, validation, and pandas round-tripping.

Every public function of ``valuation`` starts with an :class:`Inputs` object::

    inp = Inputs("price_from_pe", eps=eps, pe=pe)
    e = inp.get("eps")                       # finite float64 array
    m = inp.get("pe", gt=0.0)                # finite, > 0
    inp.broadcast("eps", "pe")               # shapes must broadcast (InputShapeError otherwise)
    return inp.wrap(e * m)                   # float / ndarray / Series / DataFrame like the inputs

Rules (documented once here, referred to by every docstring):

* Scalars in -> ``float`` out; numpy (or lists) in -> numpy out; pandas in -> pandas out with the
  labels of the highest-dimensional pandas input (the *template*).
* pandas inputs are combined by position with numpy broadcasting, after checking that their labels
  line up: two DataFrames must have equal index and columns; two Series equal index; a Series next to
  a DataFrame must be indexed like the DataFrame's columns (it then broadcasts along rows, one value
  per symbol) or, failing that, like its index (one value per row/draw). Anything else raises
  :class:`~valuation.exceptions.InputShapeError` rather than silently misaligning.
* NaN and infinities are rejected unless a function says it accepts them.
* Fraction arguments (tax rates, margins, caps...) that look like percents (``25`` for 25%) raise
  :class:`~valuation.exceptions.PercentNotFractionError`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ._types import ArrayLike, BoolArray, FloatArray
from .exceptions import (
    InputRangeError,
    InputShapeError,
    InputTypeError,
    NonFiniteInputError,
    PercentNotFractionError,
)

__all__ = [
    "Inputs",
    "as_float_array",
    "check_finite",
    "check_range",
    "check_on_invalid",
    "handle_invalid",
    "first_position",
]


def _describe(x: Any) -> str:
    if isinstance(x, pd.DataFrame):
        return f"DataFrame{x.shape}"
    if isinstance(x, pd.Series):
        return f"Series({len(x)},)"
    if isinstance(x, np.ndarray):
        return f"array{x.shape}"
    return type(x).__name__


def as_float_array(x: Any, name: str, func: str = "") -> FloatArray:
    """Convert ``x`` to a float64 numpy array (no copy when already float64).

    Raises :class:`InputTypeError` for non-numeric input (strings, objects, datetimes).
    """
    where = f"{func}: " if func else ""
    if isinstance(x, (pd.Series, pd.DataFrame)):
        try:
            return x.to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError) as exc:
            raise InputTypeError(f"{where}{name} must be numeric (got {_describe(x)} with dtype "
                                 f"{getattr(x, 'dtype', getattr(x, 'dtypes', '?'))!s})") from exc
    if isinstance(x, np.ndarray):
        if x.dtype == np.float64:
            return x
        if x.dtype.kind in "biuf":
            return x.astype(np.float64)
        raise InputTypeError(f"{where}{name} must be numeric (got an array of dtype {x.dtype})")
    if x is None or isinstance(x, (str, bytes)):
        raise InputTypeError(f"{where}{name} must be numeric (got {x!r})")
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError) as exc:  # ragged lists
        raise InputShapeError(f"{where}{name} cannot be read as a rectangular array ({exc})") from exc
    if arr.dtype.kind not in "biuf":
        raise InputTypeError(f"{where}{name} must be numeric (got {_describe(x)} of dtype {arr.dtype})")
    return arr.astype(np.float64, copy=False)


def first_position(mask: BoolArray) -> tuple[int, ...]:
    """Position (tuple of ints) of the first True in ``mask``."""
    flat = int(np.flatnonzero(mask)[0])
    return tuple(int(i) for i in np.unravel_index(flat, mask.shape))


def _where(mask: BoolArray, values: FloatArray) -> str:
    if values.ndim == 0:
        return f"got {float(values)!r}"
    pos = first_position(mask)
    n_bad = int(np.count_nonzero(mask))
    return f"got {float(values[pos])!r} at position {pos}; {n_bad} of {values.size} values"


def check_finite(a: FloatArray, name: str, func: str = "", *, allow_nan: bool = False,
                 allow_inf: bool = False) -> None:
    """Raise :class:`NonFiniteInputError` if ``a`` holds a disallowed NaN or inf.

    NaN is allowed with ``allow_nan``, +-inf with ``allow_inf``.
    """
    where = f"{func}: " if func else ""
    if bool(np.isfinite(a).all()):
        return
    if not allow_nan:
        bad = np.isnan(a)
        if bad.any():
            raise NonFiniteInputError(f"{where}{name} must not contain NaN ({_where(bad, a)})")
    if not allow_inf:
        bad = np.isinf(a)
        if bad.any():
            raise NonFiniteInputError(f"{where}{name} must be finite ({_where(bad, a)})")


def check_range(a: FloatArray, name: str, func: str = "", *, gt: float | None = None,
                ge: float | None = None, lt: float | None = None, le: float | None = None,
                fraction: bool = False, unit: str = "") -> None:
    """Raise :class:`InputRangeError` unless every non-NaN value satisfies the bounds.

    With ``fraction=True`` a value above the upper bound of 1 that lies in ``(1, 100]`` raises
    :class:`PercentNotFractionError` (the caller most likely passed 25 for 25%).
    """
    where = f"{func}: " if func else ""
    suffix = f" {unit}" if unit else ""
    with np.errstate(invalid="ignore"):
        checks: list[tuple[BoolArray, str]] = []
        if gt is not None:
            checks.append((a <= gt, f"> {gt:g}{suffix}"))
        if ge is not None:
            checks.append((a < ge, f">= {ge:g}{suffix}"))
        if lt is not None:
            checks.append((a >= lt, f"< {lt:g}{suffix}"))
        if le is not None:
            checks.append((a > le, f"<= {le:g}{suffix}"))
    for bad, rule in checks:
        if bad.any():
            if fraction and bool(np.any(bad & (a > 1.0) & (a <= 100.0))):
                pct_bad = bad & (a > 1.0) & (a <= 100.0)
                raise PercentNotFractionError(
                    f"{where}{name} is a fraction and must be {rule} ({_where(pct_bad, a)}); "
                    f"it looks like a percent: pass {float(a[first_position(pct_bad)] if a.ndim else a) / 100:g} "
                    f"for {float(a[first_position(pct_bad)] if a.ndim else a):g}%")
            raise InputRangeError(f"{where}{name} must be {rule} ({_where(bad, a)})")


def _within(a: FloatArray, *, gt: float | None = None, ge: float | None = None,
            lt: float | None = None, le: float | None = None) -> bool:
    """Tell cheaply that every value of ``a`` is finite and inside the bounds.

    Two reductions (min and max) instead of a boolean array per rule: NaN propagates into
    both, and +-inf shows in one, so finite extremes inside the bounds prove every value is
    finite and inside. False means "not proven": the full checks then find and name the
    offending value (or pass, when NaN or inf is allowed).
    """
    if a.size == 0:
        return True
    lo, hi = float(np.min(a)), float(np.max(a))
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return False
    return ((gt is None or lo > gt) and (ge is None or lo >= ge)
            and (lt is None or hi < lt) and (le is None or hi <= le))


def check_on_invalid(on_invalid: str, func: str) -> None:
    if on_invalid not in ("raise", "nan"):
        raise InputRangeError(f"{func}: on_invalid must be 'raise' or 'nan' (got {on_invalid!r})")


def handle_invalid(result: FloatArray, invalid: BoolArray, on_invalid: str, func: str,
                   message: str, values: FloatArray | None = None) -> FloatArray:
    """Apply the ``on_invalid`` policy.

    Raise :class:`InputRangeError` naming the first invalid position, or put NaN there.
    """
    invalid = np.broadcast_to(invalid, np.shape(result))
    if not invalid.any():
        return result
    if on_invalid == "raise":
        shown = values if values is not None else result
        shown = np.broadcast_to(shown, invalid.shape)
        raise InputRangeError(f"{func}: {message} ({_where(invalid, shown)}); pass "
                              "on_invalid='nan' to get NaN there instead")
    out = np.array(result, dtype=np.float64, copy=True)
    out[invalid] = np.nan
    return out


class Inputs:
    """The numeric inputs of one call: coerced, validated, and the pandas labels to give back.

    See the module docstring for the alignment rules.
    """

    def __init__(self, func: str, **values: Any) -> None:
        self.func = func
        self.raw: Mapping[str, Any] = values
        self.arrays: dict[str, FloatArray] = {}
        self.template: pd.Series | pd.DataFrame | None = None
        self.template_name: str | None = None
        for name, value in values.items():
            if isinstance(value, (pd.Series, pd.DataFrame)):
                if self.template is None or value.ndim > self.template.ndim:
                    self.template, self.template_name = value, name
        if self.template is not None:
            for name, value in values.items():
                if isinstance(value, (pd.Series, pd.DataFrame)) and name != self.template_name:
                    self._check_labels(name, value)

    # -- labels -----------------------------------------------------------------------------
    def _check_labels(self, name: str, value: pd.Series | pd.DataFrame) -> None:
        t = self.template
        assert t is not None
        tn = self.template_name
        if isinstance(value, pd.DataFrame):  # template is a DataFrame too
            assert isinstance(t, pd.DataFrame)
            if not (value.index.equals(t.index) and value.columns.equals(t.columns)):
                raise InputShapeError(
                    f"{self.func}: {name} and {tn} are DataFrames with different labels; "
                    "align them first (e.g. a.align(b, join='inner'))")
        elif isinstance(t, pd.Series):
            if not value.index.equals(t.index):
                raise InputShapeError(
                    f"{self.func}: {name} and {tn} are Series with different indexes; "
                    "align them first (e.g. a.align(b, join='inner'))")
        else:  # Series next to a DataFrame
            if not (value.index.equals(t.columns) or value.index.equals(t.index)):
                raise InputShapeError(
                    f"{self.func}: Series {name} must be indexed like the columns of {tn} (one "
                    "value per symbol) or like its index (one value per row)")

    def _array(self, name: str) -> FloatArray:
        value = self.raw[name]
        arr = as_float_array(value, name, self.func)
        t = self.template
        if (isinstance(value, pd.Series) and isinstance(t, pd.DataFrame)
                and not value.index.equals(t.columns)):
            arr = arr[:, None]  # indexed like the rows: broadcast across columns
        return arr

    # -- access -----------------------------------------------------------------------------
    def get(self, name: str, *, allow_nan: bool = False, allow_inf: bool = False,
            gt: float | None = None, ge: float | None = None, lt: float | None = None,
            le: float | None = None, fraction: bool = False, unit: str = "") -> FloatArray:
        """Return the input ``name`` as a validated float64 array."""
        if name not in self.arrays:
            arr = self._array(name)
            if not _within(arr, gt=gt, ge=ge, lt=lt, le=le):
                check_finite(arr, name, self.func, allow_nan=allow_nan, allow_inf=allow_inf)
                check_range(arr, name, self.func, gt=gt, ge=ge, lt=lt, le=le, fraction=fraction,
                            unit=unit)
            self.arrays[name] = arr
        return self.arrays[name]

    def broadcast(self, *names: str) -> tuple[int, ...]:
        """Broadcast shape of the named (already fetched) inputs; all fetched if none named."""
        names = names or tuple(self.arrays)
        shapes = [np.shape(self.arrays[n]) for n in names]
        try:
            return tuple(np.broadcast_shapes(*shapes))
        except ValueError:
            listing = ", ".join(f"{n}{tuple(s)}" for n, s in zip(names, shapes, strict=True))
            raise InputShapeError(
                f"{self.func}: inputs cannot be broadcast together: {listing}. Arrays broadcast "
                "over a leading draws axis: use shape (draws,) or (draws, n_symbols)") from None

    # -- output -----------------------------------------------------------------------------
    def wrap(self, result: Any, name: str | None = None) -> ArrayLike:
        """Give ``result`` back in the kind of the inputs (float / ndarray / Series / DataFrame)."""
        res = np.asarray(result, dtype=np.float64)
        t = self.template
        if res.ndim == 0:
            if t is None:
                return float(res)
            res = np.broadcast_to(res, t.shape).copy()
        if t is None:
            return res if res.flags.writeable else res.copy()  # no read-only broadcast views
        if res.shape == t.shape:
            if isinstance(t, pd.DataFrame):
                return pd.DataFrame(res, index=t.index, columns=t.columns)
            return pd.Series(res, index=t.index, name=name)
        if isinstance(t, pd.Series) and res.ndim == 2 and res.shape[1] == len(t):
            return pd.DataFrame(res, columns=t.index)
        if isinstance(t, pd.Series) and res.ndim == 2 and res.shape[0] == len(t):
            return pd.DataFrame(res, index=t.index)
        return res


def raise_if(invalid: BoolArray, values: FloatArray, func: str, message: str) -> None:
    """Raise :class:`InputRangeError` naming the first invalid position.

    The position is the first where ``invalid`` holds; used for rules that have no ``on_invalid``
    escape, e.g. ``r <= g`` in a Gordon model.
    """
    invalid = np.asarray(invalid)
    if not invalid.any():
        return
    shown = np.broadcast_to(values, invalid.shape)
    raise InputRangeError(f"{func}: {message} ({_where(invalid, shown)})")
