"""Option types shared by the CLI commands (typer validates them and lists them in --help)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Any

import typer


class TableJson(str, Enum):
    """Output as a rich table (for people) or JSON (for programs)."""

    table = "table"
    json = "json"


class TableJsonCsv(str, Enum):
    """Output as a rich table, JSON or CSV."""

    table = "table"
    json = "json"
    csv = "csv"


def _allow_paths(values: list[Path] | None) -> list[Path] | None:
    from scenarios.model.loader import allow_paths

    allow_paths(values)  # called on every invocation: no folder leaks into the next command
    return values


def allow_path_option() -> Any:
    """``--allow-path DIR`` (repeatable).

    Folders an ``extends`` may name besides the extending file's own folder tree.
    """
    return typer.Option(None, "--allow-path", metavar="DIR", callback=_allow_paths,
                        help="Let `extends` also name files in DIR (default: only the scenario "
                             "file's folder and below). Repeatable.")


def workers_option() -> Any:
    """``--workers N``: run independent tasks on a local Dask cluster of N processes."""
    return typer.Option(None, "--workers", min=1, metavar="N",
                        help="Run the independent tasks (grid points, walk-forward windows, set "
                             "components, scheme chunks) on a local Dask cluster of N worker "
                             "processes (N > 1; needs pip install \"narrative-scenarios[scale]\"). "
                             "Results are identical to a serial run.")


def scheduler_option() -> Any:
    """``--scheduler ADDR``: send the tasks to an existing Dask cluster."""
    return typer.Option(None, "--scheduler", metavar="ADDR",
                        help="Send the tasks to an existing Dask scheduler, e.g. tcp://HOST:8786 "
                             "(README: Scaling out). Workers need the project installed, no data.")


def _drop_bad_rows(value: bool) -> bool:
    from scenarios.data.screen import set_drop_bad_rows

    set_drop_bad_rows(value)  # called on every invocation: the choice never outlives the command
    return value


def drop_bad_rows_option() -> Any:
    """``--drop-bad-rows``.

    Leave out rows whose close is missing, infinite or <= 0 (with a
    warning) instead of stopping with exit 3.
    """
    return typer.Option(False, "--drop-bad-rows", callback=_drop_bad_rows,
                        help="Leave out price rows whose close is missing, infinite or <= 0 "
                             "(warned) instead of stopping with exit 3.")
