"""Output formats of ``scenarios run`` and ``scenarios backtest`` beyond table/json/csv.

Black-Litterman ``views`` (JSON) and Excel workbooks (``xlsx``, written into ``--out``).
"""

from __future__ import annotations

from enum import Enum


class RunFormat(str, Enum):
    """``scenarios run`` output.

    A table, JSON, CSV, Black-Litterman views (JSON) or an Excel workbook (``xlsx``, written into
    ``--out``).
    """

    table = "table"
    json = "json"
    csv = "csv"
    views = "views"
    xlsx = "xlsx"


class BacktestFormat(str, Enum):
    """``scenarios backtest`` output: a table, JSON or an Excel workbook (into ``--out``)."""

    table = "table"
    json = "json"
    xlsx = "xlsx"
