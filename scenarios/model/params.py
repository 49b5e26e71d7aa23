"""Bounded parameter types: a :data:`Param` whose every possible draw must satisfy a bound.

``Bounded(gt=0)`` accepts ``3`` and ``{dist: lognormal, median: 3, sigma: 0.2}`` but rejects
``-3`` ("must be > 0 (got -3)") and an unclipped normal ("can fall to -inf").
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import AfterValidator
from typing_extensions import TypeAliasType

from scenarios.model.distributions import Param, describe, is_random, support


def _fmt(x: float) -> str:
    if math.isinf(x):
        return "-inf" if x < 0 else "inf"
    return f"{x:g}"


def _check(gt: float | None, ge: float | None, lt: float | None, le: float | None):
    def check(value: Any) -> Any:
        lo, hi = support(value)
        problems: list[str] = []
        if gt is not None and not lo > gt:
            problems.append(f"> {_fmt(gt)}")
        if ge is not None and not lo >= ge:
            problems.append(f">= {_fmt(ge)}")
        if lt is not None and not hi < lt:
            problems.append(f"< {_fmt(lt)}")
        if le is not None and not hi <= le:
            problems.append(f"<= {_fmt(le)}")
        if not problems:
            return value
        need = " and ".join(problems)
        if not is_random(value):
            raise ValueError(f"must be {need} (got {_fmt(float(value))})")
        raise ValueError(
            f"must be {need} for every draw, but {describe(value)} ranges over "
            f"[{_fmt(lo)}, {_fmt(hi)}] (add clip: [low, high] or use a bounded distribution)")
    return check


#: :data:`Param` as a named type alias: pydantic builds its schema (a number or one of five
#: distributions) once per model and refers to it from every bounded field (a file's schema has
#: tens of them), instead of building it again for each field
NamedParam = TypeAliasType("NamedParam", Param)


def Bounded(*, gt: float | None = None, ge: float | None = None, lt: float | None = None,
            le: float | None = None) -> Any:
    """Return a :data:`Param` type whose support must satisfy the given bounds."""
    return Annotated[NamedParam, AfterValidator(_check(gt, ge, lt, le))]


#: annual growth, price shock, multiple change: a fraction > -1 (-100%)
Fraction = Bounded(gt=-1.0)
#: money, counts: >= 0
NonNegative = Bounded(ge=0.0)
#: useful lives, half-lives, multiples: > 0
Positive = Bounded(gt=0.0)
#: tax rate, retention, margin share: in [0, 1]
Share = Bounded(ge=0.0, le=1.0)
#: margin (may be negative), margin change: in [-1, 1]
SignedShare = Bounded(ge=-1.0, le=1.0)
#: tax rate: in [0, 1)
TaxRate = Bounded(ge=0.0, lt=1.0)
