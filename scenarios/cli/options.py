"""Option types shared by the CLI commands (typer validates them and lists them in --help)."""

from __future__ import annotations

from enum import Enum


class TableJson(str, Enum):
    """Output as a rich table (for people) or JSON (for programs)."""

    table = "table"
    json = "json"


class TableJsonCsv(str, Enum):
    """Output as a rich table, JSON or CSV."""

    table = "table"
    json = "json"
    csv = "csv"


class RunFormat(str, Enum):
    """``scenarios run`` output: a table, JSON, CSV, Black-Litterman views (JSON) or an Excel
    workbook (``xlsx``, written into ``--out``)."""

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
