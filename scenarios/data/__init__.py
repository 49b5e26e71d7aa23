"""Price data: canonical frames from CSV folders, the DuckDB store and Yahoo.

Public API
----------
:func:`get_prices` (one call), :func:`default_source` (store → ``$SCENARIOS_PRICES`` → Yahoo),
:class:`Resolver`, :class:`CsvDirSource`, :class:`YahooSource`, :class:`PriceView` (no
look-ahead), :func:`normalize_symbol`, :func:`currency_of` and the canonical-frame helpers
(:data:`COLUMNS`, :func:`to_canonical`, :func:`is_canonical`, :func:`empty_frame`).
Quality checks live in :mod:`scenarios.data.quality`.
"""

from __future__ import annotations

from scenarios.data.base import DateLike, PriceSource
from scenarios.data.csvdir import CsvDirSource, read_price_csv
from scenarios.data.frame import COLUMNS, empty_frame, is_canonical, to_canonical
from scenarios.data.resolver import Resolver, build_source, default_source, get_prices, offline
from scenarios.data.symbols import currency_of, normalize_symbol
from scenarios.data.view import PriceView
from scenarios.data.yahoo import YahooSource

__all__ = [
    "COLUMNS", "CsvDirSource", "DateLike", "PriceSource", "PriceView", "Resolver", "YahooSource",
    "build_source", "currency_of", "default_source", "empty_frame", "get_prices", "is_canonical",
    "normalize_symbol", "offline", "read_price_csv", "to_canonical",
]
