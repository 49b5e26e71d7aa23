"""Dated forward estimates (``fundamentals/estimates/<YYYY-MM-DD>.json``).

Each file is what Yahoo's analysis page showed that day, keyed by symbol (plus a ``metadata``
entry in later files). Three schemas appear over time, all read here:

1. 2025-09-17 .. 2025-09-19: ``{ticker, stock_price, [date], eps_estimate}`` (numbers as strings);
2. from 2025-09-22: ``{price, fwd_eps, fwd_pe}``;
3. from 2026-02-18: adds ``fwd_eps_curFY``, ``eps_recentFY``, ``fwd_eps_analyst_count``,
   ``fwd_rev``, ``fwd_rev_curFY``, ``rev_recentFY``, ``fwd_rev_analyst_count`` (revenues are
   strings such as ``"496.98B"``; counts strings such as ``"54"``).

``eps_estimate`` (schema 1) and ``fwd_eps`` are the same measure: consensus diluted EPS for the
NEXT fiscal year (USD per share). A file dated D is known from D (point in time).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from scenarios.data.fundamentals.jsonio import JsonFile
from scenarios.data.symbols import normalize_symbol
from scenarios.errors import DataFormatError

_SUFFIX = {"": 1.0, "K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}
_NUM = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*([KMBT]?)\s*$", re.IGNORECASE)
_MISSING = {"", "n/a", "na", "-", "--", "none", "null"}


@dataclass
class Estimate:
    """One symbol's consensus as of one file date."""

    symbol: str
    date: str
    schema: int
    price: float | None
    fwd_eps: float | None
    fwd_eps_cur_fy: float | None = None
    eps_recent_fy: float | None = None
    eps_analyst_count: int | None = None
    fwd_rev: float | None = None
    fwd_rev_cur_fy: float | None = None
    rev_recent_fy: float | None = None
    rev_analyst_count: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the estimate as a dict."""
        return asdict(self)


def _number(doc: JsonFile, value: Any, *where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return doc.number(value, *where)
    if isinstance(value, str):
        if value.strip().lower() in _MISSING:
            return None
        m = _NUM.match(value.replace(",", ""))
        if m:
            return float(m.group(1)) * _SUFFIX[m.group(2).upper()]
    raise doc.error(f"expected a number such as 7.56 or 496.98B (got {value!r})", *where)


def parse_estimates(doc: JsonFile, day: pd.Timestamp) -> dict[str, Estimate]:
    """Estimates of one file, by symbol."""
    data = doc.mapping(doc.data)
    out: dict[str, Estimate] = {}
    for key, rec in data.items():
        if key == "metadata":
            continue
        rec = doc.mapping(rec, key)
        sym = doc.symbol(rec.get("ticker") or key, key)
        n = lambda f, rec=rec, key=key: _number(doc, rec.get(f), key, f)  # noqa: E731
        if "eps_estimate" in rec:
            out[sym] = Estimate(sym, day.date().isoformat(), 1, n("stock_price"), n("eps_estimate"))
            continue
        count = n("fwd_eps_analyst_count")
        rcount = n("fwd_rev_analyst_count")
        schema = 3 if any(f in rec for f in ("fwd_eps_curFY", "fwd_rev", "fwd_eps_analyst_count")) else 2
        out[sym] = Estimate(sym, day.date().isoformat(), schema, n("price"), n("fwd_eps"),
                            n("fwd_eps_curFY"), n("eps_recentFY"),
                            int(count) if count is not None else None, n("fwd_rev"), n("fwd_rev_curFY"),
                            n("rev_recentFY"), int(rcount) if rcount is not None else None)
    return out


class EstimatesDir:
    """The ``estimates/`` folder of a fundamentals folder."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._memo: dict[Path, dict[str, Estimate]] = {}

    def dated_files(self) -> list[tuple[pd.Timestamp, Path]]:
        """Return the dated estimate files of the folder, oldest first."""
        out: list[tuple[pd.Timestamp, Path]] = []
        if not self.path.is_dir():
            return out
        for f in sorted(self.path.glob("*.json")):
            try:
                out.append((pd.Timestamp(f.stem), f))
            except ValueError:
                raise DataFormatError(f"an estimates file is named by its date, YYYY-MM-DD.json "
                                      f"(got {f.name})", file=f) from None
        return out

    def read(self, day: pd.Timestamp, path: Path) -> dict[str, Estimate]:
        """Return the estimates of the file ``path`` dated ``day``, by symbol (read once)."""
        if path not in self._memo:
            self._memo[path] = parse_estimates(JsonFile(path), day)
        return self._memo[path]

    def consensus(self, symbol: str, as_of: Any) -> Estimate | None:
        """Return the latest estimate of ``symbol`` dated on or before ``as_of`` (None if there is none)."""
        sym = normalize_symbol(symbol)
        cut = pd.Timestamp(as_of).normalize()
        for day, path in reversed(self.dated_files()):
            if day > cut:
                continue
            est = self.read(day, path).get(sym)
            if est is not None and est.fwd_eps is not None:
                return est
        return None

    def span(self, symbol: str) -> tuple[str, str] | None:
        """Return the first and last ISO dates with an estimate for ``symbol``, or None."""
        days = [d for d, p in self.dated_files() if normalize_symbol(symbol) in self.read(d, p)]
        return (days[0].date().isoformat(), days[-1].date().isoformat()) if days else None
