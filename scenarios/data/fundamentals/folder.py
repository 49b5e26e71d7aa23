"""A folder of saved fundamentals (:class:`FundamentalsDir`).

Layout of ``../shared/hkdata/fundamentals`` (``$SCENARIOS_FUNDAMENTALS``): ``yfinance/*.json``
(yfinance-shaped dumps), ``sec/*.json`` (SEC extracts), ``estimates/<date>.json`` (dated
forward estimates, :mod:`.estimates`). JSON files directly in the folder are read too; their
shape decides the parser. Files are parsed lazily and memoised by (size, mtime).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from scenarios.data.fundamentals.frame import concat, empty_frame
from scenarios.data.fundamentals.jsonio import JsonFile
from scenarios.data.fundamentals.lags import ReportingLags, lags_from_env
from scenarios.data.fundamentals.listings import data_symbols
from scenarios.data.fundamentals.sec import is_sec_document, parse_sec
from scenarios.data.fundamentals.yfdump import parse_yfinance
from scenarios.data.symbols import normalize_symbol

SUBFOLDERS = ("yfinance", "sec")


def parse_file(path: str | Path, lags: ReportingLags) -> pd.DataFrame:
    """Canonical rows of one saved file (yfinance dump or SEC extract, by its shape)."""
    doc = JsonFile(path)
    if is_sec_document(doc.data):
        return parse_sec(doc, lags=lags)
    if isinstance(doc.data, dict) and any(k in doc.data for k in ("financials", "balance_sheet", "cashflow")):
        return parse_yfinance(doc, lags=lags)
    raise doc.error("neither a yfinance dump (ticker, info, financials, balance_sheet, cashflow) "
                    "nor an SEC extract (symbol, annual, quarterly)")


def is_fundamentals_folder(path: str | Path) -> bool:
    """Return True when ``path`` looks like a fundamentals folder (a yfinance/ or sec/ subfolder)."""
    p = Path(path)
    return p.is_dir() and any((p / s).is_dir() for s in SUBFOLDERS)


class FundamentalsDir:
    """Saved statements under ``path`` (see module docstring)."""

    def __init__(self, path: str | Path, lags: ReportingLags | None = None) -> None:
        self.path = Path(path)
        self.lags = lags or lags_from_env()
        self._memo: dict[Path, tuple[tuple[int, int], pd.DataFrame]] = {}

    name = "folder"

    def __repr__(self) -> str:
        return f"FundamentalsDir({str(self.path)!r})"

    def files(self) -> list[Path]:
        """Statement files (yfinance dumps, SEC extracts), sorted."""
        out: list[Path] = []
        for sub in SUBFOLDERS:
            d = self.path / sub
            if d.is_dir():
                out.extend(sorted(d.glob("*.json")))
        if self.path.is_dir():
            out.extend(sorted(p for p in self.path.glob("*.json") if p.is_file()))
        return out

    def files_of(self, symbol: str) -> list[Path]:
        """Files saved under ``symbol`` (by file name stem)."""
        sym = normalize_symbol(symbol)
        return [f for f in self.files() if normalize_symbol(f.stem) == sym]

    def symbols(self) -> list[str]:
        """Return the normalized symbols of the statement files, sorted."""
        return sorted({normalize_symbol(f.stem) for f in self.files()})

    def read_file(self, path: Path) -> pd.DataFrame:
        """Return the canonical rows of one statement file (cached until the file changes)."""
        st = os.stat(path)
        key = (st.st_size, st.st_mtime_ns)
        hit = self._memo.get(path)
        if hit is not None and hit[0] == key:
            return hit[1]
        frame = parse_file(path, self.lags)
        self._memo[path] = (key, frame)
        return frame

    def get(self, symbol: str) -> pd.DataFrame:
        """Every row saved under ``symbol`` itself (all sources); empty when nothing is saved."""
        files = self.files_of(symbol)
        if not files:
            return empty_frame()
        return concat([self.read_file(f) for f in files])

    def get_for(self, symbol: str) -> pd.DataFrame:
        """Rows of ``symbol`` or of its ADS / Hong Kong twin (unconverted; see :mod:`.mapping`)."""
        return concat([self.get(s) for s in data_symbols(symbol)])

    def read_all(self) -> pd.DataFrame:
        """Return the canonical rows of every statement file of the folder."""
        return concat([self.read_file(f) for f in self.files()])
