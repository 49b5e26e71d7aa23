"""Quantitative claims of the five articles (``seeds/claims.yaml``), validated.

Each claim says what one article asserted, in the project's own English words, as data::

    - id: a003-hsi-2025
      article: 003_891319027a62e08e.txt
      kind: price_return
      symbols: ["^HSI"]
      window: {start: 2025-01-01, end: 2025-12-31}
      comparator: about
      value: 0.277
      unit: fraction
      paraphrase: The Hang Seng Index gained 27.7% over calendar 2025.

Conventions
-----------
* Percentages are fractions (``0.235`` for 23.5%) with ``unit: fraction``; money carries its
  currency and scale in ``unit`` (``HKD``, ``USD_bn``, ``RMB_bn``...); multiples are ``x``;
  index levels are ``points``.
* ``comparator``: ``about`` (a point value), ``over`` / ``under`` (a bound the truth must
  exceed / stay below), ``between`` (``value: [low, high]``), ``is`` (``value: true|false``,
  for yes/no facts such as "a new three-year high").
* ``window``: ``start``/``end`` dates, both inclusive trading days of the claim; ``inferred:
  true`` when the dates come from the article's date or wording rather than from the text.
  A return "in 2025" has ``start: 2025-01-01, end: 2025-12-31`` and is measured from the last
  close before ``start`` (2024-12-31) to the last close on or before ``end``.
* ``drawdown`` values are positive magnitudes (``0.16`` = the price fell 16% from its peak);
  every other return-like value is signed.

The kinds that price data can check are :data:`PRICE_KINDS`; :mod:`scenarios.seeds.check`
documents how each is measured and the tolerance rules.
"""

from __future__ import annotations

import math
import re
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from scenarios.data.symbols import normalize_symbol
from scenarios.errors import ScenarioError, one_line
from scenarios.seeds.base import CLAIMS_FILE, StrictModel, load_model
from scenarios.yamlio import LocatedDoc

Kind = Literal[
    # checkable on prices
    "price_return", "excess_return", "drawdown", "max_gain", "rebound", "daily_move",
    "index_level", "price_level", "new_high", "new_low", "listing", "price_above", "turnover",
    # not checkable on prices
    "fundamental", "multiple", "valuation", "market_cap", "flow", "capex", "subsidy",
    "benchmark_score", "model_spec", "operating_metric", "index_weight", "forecast",
    "technical_level", "relative_performance", "historical_stat", "event",
]

#: Kinds that :mod:`scenarios.seeds.check` verifies against price data.
PRICE_KINDS: frozenset[str] = frozenset({
    "price_return", "excess_return", "drawdown", "max_gain", "rebound", "daily_move",
    "index_level", "price_level", "new_high", "new_low", "listing", "price_above", "turnover",
})

#: Kinds whose value is a return-like fraction.
FRACTION_KINDS: frozenset[str] = frozenset({
    "price_return", "excess_return", "drawdown", "max_gain", "rebound", "daily_move"})

#: Kinds whose value is a level in the price's own unit.
LEVEL_KINDS: frozenset[str] = frozenset({"index_level", "price_level"})

#: Yes/no kinds (``comparator: is``).
BOOL_KINDS: frozenset[str] = frozenset({"new_high", "new_low", "listing", "price_above"})

Comparator = Literal["about", "over", "under", "between", "is"]

Unit = Literal[
    "fraction", "HKD", "USD", "CNY", "RMB", "HKD_bn", "USD_bn", "RMB_bn", "x", "points",
    "count", "score", "years", "tokens_per_s", "ms", "k_tokens", "bool",
]

#: Units whose tolerances are relative (a fraction of the stated value), see ``check``.
LEVEL_UNITS: frozenset[str] = frozenset({"HKD", "USD", "CNY", "RMB", "points"})

_ID = re.compile(r"^a\d{3}-[a-z0-9]+(?:-[a-z0-9]+)*$")
_ARTICLE = re.compile(r"^\d{3}_[0-9a-f]{16}\.txt$")


class Window(StrictModel):
    """The dates a claim is about (both inclusive)."""

    start: date
    end: date
    inferred: bool = False
    note: str | None = None


class Tolerance(StrictModel):
    """Per-claim override of the default tolerance of its kind (see ``check``)."""

    confirmed: float = Field(ge=0, allow_inf_nan=False)
    approximately: float = Field(ge=0, allow_inf_nan=False)


class Claim(StrictModel):
    """One quantitative claim of one article."""

    id: str
    article: str
    kind: Kind
    symbols: list[str] = Field(default_factory=list)
    window: Window | None = None
    comparator: Comparator
    value: Any
    unit: Unit
    paraphrase: str = Field(min_length=10)
    field: Literal["close", "high", "low"] = "close"
    stat: Literal["last", "min", "max"] | None = None
    basis: Literal["price", "total"] = "price"
    tolerance: Tolerance | None = None
    note: str | None = None

    @property
    def price_verifiable(self) -> bool:
        """True when the kind can be checked against price data."""
        return self.kind in PRICE_KINDS


class ClaimsFile(StrictModel):
    """The whole ``claims.yaml``."""

    version: Literal[1]
    claims: list[Claim] = Field(min_length=1)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _finite(x: float) -> bool:
    """Return True for a number a float can hold (``10**400`` from YAML is an int no float can)."""
    try:
        return math.isfinite(x)
    except OverflowError:
        return False


def _check(obj: ClaimsFile, doc: LocatedDoc) -> list[ScenarioError]:
    """Cross-field rules, each reported at the offending node."""
    errors: list[ScenarioError] = []
    seen: dict[str, int] = {}

    def err(i: int, field: str | tuple[str | int, ...], msg: str) -> None:
        tail = field if isinstance(field, tuple) else (field,)
        errors.append(doc.error(("claims", i) + tail, msg))

    for i, c in enumerate(obj.claims):
        if not _ID.fullmatch(c.id):
            err(i, "id", f"must look like a003-short-name (article number, then lower-case words) (got {c.id!r})")
        if c.id in seen:
            err(i, "id", f"duplicate id {c.id!r} (first used by claims[{seen[c.id]}])")
        seen.setdefault(c.id, i)
        if not _ARTICLE.fullmatch(c.article):
            err(i, "article", f"must be an article file name like 000_a7fbbc5f650d9614.txt (got {c.article!r})")
        for j, s in enumerate(c.symbols):
            try:
                canon = normalize_symbol(s)
            except ValueError as exc:
                err(i, ("symbols", j), str(exc))
                continue
            if one_line(s) != s:  # a control character inside it (normalize_symbol keeps those)
                err(i, ("symbols", j), f"a symbol is one line without control characters (got {s!r})")
            elif canon != s:
                err(i, ("symbols", j), f"write symbols in Yahoo spelling: {canon!r} (got {s!r})")
        # value vs comparator
        v = c.value
        if c.comparator == "between":
            if not (isinstance(v, list) and len(v) == 2 and all(_is_number(x) for x in v)):
                err(i, "value", f"comparator between needs [low, high] (got {v!r})")
            elif not all(_finite(x) for x in v):  # .nan/.inf would be judged, not rejected
                err(i, "value", f"comparator between needs finite numbers (got {v!r})")
            elif not v[0] < v[1]:
                err(i, "value", f"between needs low < high (got {v!r})")
        elif c.comparator == "is":
            if not isinstance(v, bool):
                err(i, "value", f"comparator is needs true or false (got {v!r})")
        elif not _is_number(v):
            hint = ""
            if isinstance(v, str):
                try:
                    float(v)
                    hint = " - YAML reads 1.0e9 as text: write 1.0e+9"
                except ValueError:
                    pass
            err(i, "value", f"comparator {c.comparator} needs a number{hint} (got {v!r})")
        elif not _finite(v):  # 'about .inf' was confirmed and 'about .nan' contradicted
            err(i, "value", f"comparator {c.comparator} needs a finite number (got {v!r})")
        if c.window is not None and c.window.end < c.window.start:
            err(i, ("window", "end"), f"must be on or after window.start ({c.window.start}) (got {c.window.end})")
        if c.tolerance is not None and c.tolerance.approximately < c.tolerance.confirmed:
            err(i, ("tolerance", "approximately"),
                f"must be >= tolerance.confirmed ({c.tolerance.confirmed}) (got {c.tolerance.approximately})")
        # kind-specific rules
        if c.kind in PRICE_KINDS:
            if c.window is None:
                err(i, "window", f"a {c.kind} claim needs a window (start, end)")
            if not c.symbols:
                err(i, "symbols", f"a {c.kind} claim needs at least one symbol")
        n_sym = {"excess_return": 2, "price_above": 2}.get(c.kind)
        if n_sym is not None and c.symbols and len(c.symbols) != n_sym:
            err(i, "symbols", f"a {c.kind} claim needs exactly {n_sym} symbols (got {len(c.symbols)})")
        if c.kind in FRACTION_KINDS and c.unit != "fraction":
            err(i, "unit", f"a {c.kind} claim is a fraction: use unit: fraction (got {c.unit!r})")
        if c.kind in BOOL_KINDS and c.comparator != "is":
            err(i, "comparator", f"a {c.kind} claim is yes/no: use comparator: is (got {c.comparator!r})")
        if c.kind in LEVEL_KINDS and c.unit not in LEVEL_UNITS:
            err(i, "unit", f"a {c.kind} claim is a price level: use one of {sorted(LEVEL_UNITS)} (got {c.unit!r})")
        if c.kind == "daily_move" and c.window is not None and c.window.end > c.window.start and c.stat is None:
            err(i, "stat", "a daily_move over several days needs stat: min (worst day) or max (best day)")
    return errors


def load_claims_file(path: str | Path | None = None) -> ClaimsFile:
    """Load and validate the whole claims file (default ``seeds_dir()/claims.yaml``)."""
    return load_model(path, CLAIMS_FILE, ClaimsFile, _check)


def load_claims(path: str | Path | None = None) -> list[Claim]:
    """Every claim of ``claims.yaml`` in file order.

    Malformed files raise :class:`~scenarios.errors.ScenarioErrors` with
    ``file:line:col field: message`` lines.
    """
    return list(load_claims_file(path).claims)


def claim_ids(path: str | Path | None = None) -> list[str]:
    """Ids of every claim, in file order."""
    return [c.id for c in load_claims(path)]


def get_claim(claim_id: str, path: str | Path | None = None) -> Claim:
    """Return the claim with id ``claim_id``; unknown ids raise KeyError naming close matches."""
    claims = {c.id: c for c in load_claims(path)}
    try:
        return claims[claim_id]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(claim_id, list(claims), n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise KeyError(f"no claim {claim_id!r}{hint}") from None


__all__ = ["BOOL_KINDS", "Claim", "ClaimsFile", "Comparator", "FRACTION_KINDS", "Kind",
           "LEVEL_KINDS", "LEVEL_UNITS", "PRICE_KINDS", "Tolerance", "Unit", "Window",
           "claim_ids", "get_claim", "load_claims", "load_claims_file"]
