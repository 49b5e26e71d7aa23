"""Symbol normalization: every symbol is stored and looked up in Yahoo's spelling.

Hong Kong codes are four digits plus ``.HK`` (``0700.HK``). Accepted spellings:
``700.HK``, ``0700.hk``, ``00700``, ``700``, ``HK.00700``, ``HK:700``, ``00700.HK``.
Everything else (``^HSI``, ``HSTECH.HK``, ``MSFT``, ``688256.SS``) is upper-cased and kept.
"""

from __future__ import annotations

import re
from typing import Literal

_HK_PREFIX = re.compile(r"^HK[.:]?0*(\d{1,5})$")
_HK_SUFFIX = re.compile(r"^0*(\d{1,5})\.HK$")
_DIGITS = re.compile(r"^0*(\d{1,5})$")

#: Index symbols without a ``^`` prefix (Yahoo spells most indexes ``^NAME``): Hang Seng
#: TECH / China Enterprises / Composite, CSI 300 / 500 / 50 / STAR 50, Shanghai and Shenzhen
#: composites, ChiNext.
INDEX_SYMBOLS: frozenset[str] = frozenset({
    "HSTECH.HK", "HSCEI.HK", "HSCI.HK", "000300.SS", "000001.SS", "399001.SZ", "399006.SZ",
    "000688.SS", "000016.SS", "000905.SS",
})

ReturnKind = Literal["total", "price"]


def normalize_symbol(symbol: str) -> str:
    """Return the Yahoo spelling of ``symbol``.

    >>> normalize_symbol("700.HK"), normalize_symbol("HK.00700"), normalize_symbol("00700")
    ('0700.HK', '0700.HK', '0700.HK')
    >>> normalize_symbol("msft"), normalize_symbol("^hsi")
    ('MSFT', '^HSI')
    """
    if not isinstance(symbol, str) or not symbol.strip():
        raise ValueError(f"a symbol must be a non-empty string (got {symbol!r})")
    s = symbol.strip().upper()
    for pattern in (_HK_PREFIX, _HK_SUFFIX):
        m = pattern.match(s)
        if m:
            return f"{int(m.group(1)):04d}.HK"
    # bare digits of 1-5 chars are HK codes; 6-digit codes are A-shares and need a suffix
    m = _DIGITS.match(s)
    if m and len(s) <= 5:
        return f"{int(m.group(1)):04d}.HK"
    return s


def currency_of(symbol: str) -> str:
    """ISO currency of the prices of ``symbol`` (by Yahoo suffix): HKD, CNY or USD."""
    s = normalize_symbol(symbol)
    if s.endswith(".HK") or s == "^HSI":
        return "HKD"
    if s.endswith((".SS", ".SZ")):
        return "CNY"
    return "USD"


def is_index(symbol: str) -> bool:
    """Return True for an index level: a ``^`` symbol (``^HSI``) or one of :data:`INDEX_SYMBOLS` (``HSTECH.HK``).

    Its closes carry no dividends, so its returns are price returns.

    >>> is_index("^hsi"), is_index("HSTECH.HK"), is_index("700"), is_index("000300.SS")
    (True, True, False, True)
    """
    s = normalize_symbol(symbol)
    return s.startswith("^") or s in INDEX_SYMBOLS


def return_kind(symbol: str) -> ReturnKind:
    """Return the return kind of ``symbol``: ``"price"`` or ``"total"``.

    ``"price"`` for an index level (:func:`is_index`), ``"total"`` for a stock, whose
    adjusted closes include dividends.
    """
    return "price" if is_index(symbol) else "total"
