"""One JSON-safe encoding for results and run payloads (ground floor: imports nothing of ``scenarios``).

NaN-safe: NaN, +inf and -inf are written as ``null`` (strict JSON, readable by any tool); numpy
scalars and arrays become numbers and lists, dates and timestamps ISO strings, paths strings, sets
sorted lists, dataclasses and objects with ``to_dict()`` their dicts. numpy and pandas are
imported only when such a value is met.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import math
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

__all__ = ["compact_json", "to_jsonable"]


def to_jsonable(obj: Any) -> Any:
    """Return a JSON-safe copy of ``obj`` (non-finite floats become ``None``; see module docstring)."""
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, (set, frozenset)):
        return [to_jsonable(v) for v in sorted(obj, key=repr)]
    if isinstance(obj, (_dt.datetime, _dt.date)):
        return obj.isoformat()
    if isinstance(obj, PurePath):
        return str(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return to_jsonable({f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)})
    to_dict = getattr(obj, "to_dict", None)
    mod = type(obj).__module__.split(".")[0]
    if mod == "numpy":
        import numpy as np

        if isinstance(obj, np.ndarray):
            return to_jsonable(obj.tolist())
        if isinstance(obj, np.generic):
            return to_jsonable(obj.item())
    if mod == "pandas":
        import pandas as pd

        if obj is pd.NaT:
            return None
        if isinstance(obj, pd.Timestamp):
            return obj.isoformat()
        if isinstance(obj, pd.Series):
            return {str(_key(k)): to_jsonable(v) for k, v in obj.items()}
        if isinstance(obj, pd.DataFrame):
            return to_jsonable(obj.to_dict(orient="list") | {"index": [_key(k) for k in obj.index]})
        try:
            if pd.isna(obj):
                return None
        except (TypeError, ValueError):
            pass
    if callable(to_dict):
        return to_jsonable(to_dict())
    raise TypeError(f"cannot store a {type(obj).__name__} in a run payload (not JSON-serializable)")


def compact_json(obj: Any) -> str:
    """Return ``obj`` as compact JSON text (:func:`to_jsonable` first; UTF-8 kept, no spaces).

    How the store keeps a document (a run's payload, a kept score); NaN can no longer occur.
    """
    import json

    return json.dumps(to_jsonable(obj), allow_nan=False, ensure_ascii=False, separators=(",", ":"))


def _key(k: Any) -> Any:
    if isinstance(k, (_dt.datetime, _dt.date)):
        return k.isoformat()[:10] if getattr(k, "hour", 0) == 0 and getattr(k, "minute", 0) == 0 else k.isoformat()
    return k
