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
