"""Price data: canonical frames from CSV folders, the DuckDB store and Yahoo.

Public API: :func:`get_prices`, :func:`default_source`, :class:`CsvDirSource`,
:class:`PriceView`, :func:`normalize_symbol` and the canonical-frame helpers.
"""

from __future__ import annotations

from scenarios.data.base import DateLike, PriceSource
from scenarios.data.csvdir import CsvDirSource, read_price_csv
from scenarios.data.frame import COLUMNS, empty_frame, is_canonical, to_canonical
from scenarios.data.resolver import Resolver, default_source, get_prices
from scenarios.data.symbols import currency_of, normalize_symbol
from scenarios.data.view import PriceView

__all__ = [
    "COLUMNS", "CsvDirSource", "DateLike", "PriceSource", "PriceView", "Resolver",
    "currency_of", "default_source", "empty_frame", "get_prices", "is_canonical",
    "normalize_symbol", "read_price_csv", "to_canonical",
]
