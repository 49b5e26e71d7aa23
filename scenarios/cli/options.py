"""Option types shared by the CLI commands (typer validates them and lists them in --help)."""

from __future__ import annotations

import math
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Any, NoReturn

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


def path_text(value: str) -> str:
    """Return a file or folder argument as given; refuse an empty one (typer's ``parser=``).

    ``Path("")`` is the current folder, so ``--out ""`` (a shell variable that is not set) would
    write there, ``data import ""`` would import it and ``backtest ""`` would say that ``.`` is a
    folder: an exit-2 usage error names the option or argument instead.
    """
    if not value:
        raise typer.BadParameter('an empty path: give a file or folder name (use "." for the current '
                                 "folder; is a shell variable unset?)")
    return value


def path_arg(value: str | Path) -> Path:
    """Return a path argument or option's value as a :class:`~pathlib.Path` (see :func:`path_text`)."""
    return value if isinstance(value, Path) else Path(path_text(value))


def _allow_paths(values: list[Path] | None) -> list[Path] | None:
    from scenarios.model.loader import allow_paths

    allow_paths(values)  # called on every invocation: no folder leaks into the next command
    return values


def allow_path_option() -> Any:
    """``--allow-path DIR`` (repeatable).

    Folders an ``extends`` may name besides the extending file's own folder tree.
    """
    return typer.Option(None, "--allow-path", metavar="DIR", callback=_allow_paths, parser=path_arg,
                        help="Let `extends` also name files in DIR (default: only the scenario "
                             "file's folder and below). Repeatable.")


def workers_option() -> Any:
    """``--workers N``: run independent tasks on a local Dask cluster of N processes."""
    return typer.Option(None, "--workers", min=1, metavar="N",
                        help="Run the independent tasks (grid points, walk-forward windows, set "
                             "components, scheme chunks) on a local Dask cluster of N worker "
                             "processes (N > 1; needs pip install \"narrative-scenarios\\[scale]\"). "
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


def bad_option(message: str, option: str) -> NoReturn:
    """Raise a usage error for ``option`` as a :class:`~scenarios.errors.ScenarioError` (exit 2, one line)."""
    from scenarios.errors import ScenarioError

    raise ScenarioError(message, field=option)


def parse_named_ranges(values: list[str], *, option: str, label: str, example: str, noun: str,
                       last_equals: bool = False, check_name: Callable[[str, str], None] | None = None,
                       check_range: Callable[[float, float, str], None] | None = None,
                       ) -> dict[str, tuple[float, float]]:
    """Parse repeated ``NAME=LOW:HIGH`` option values into ``{name: (low, high)}``.

    Parameters
    ----------
    values : list of str
        The option's values as typed (``["ai_models_cloud=0.5:2", ...]``).
    option, label, example, noun : str
        The option (``--tilt``), the name's placeholder (``THEME``), an example value and the word
        for a name in the "given twice" error (``theme``): the error texts.
    last_equals : bool, default False
        Split at the last ``=`` (names that may hold one, such as driver labels), else the first.
    check_name : callable(name, text), optional
        Raises (through :func:`bad_option`) for a name that is not allowed, before the numbers
        are read.
    check_range : callable(low, high, text), optional
        Raises for finite numbers that are not allowed; without it, any finite pair is.

    Returns
    -------
    dict of str to (float, float)
        One (low, high) pair per name, in the order given. Malformed, non-numeric, non-finite or
        repeated values raise a :class:`~scenarios.errors.ScenarioError` naming ``option``.
    """
    out: dict[str, tuple[float, float]] = {}
    for text in values:
        name, sep, rng = text.rpartition("=") if last_equals else text.partition("=")
        lo_s, sep2, hi_s = rng.partition(":")
        name = name.strip()
        if not sep or not sep2 or not name:
            bad_option(f"expected {label}=LOW:HIGH, e.g. {example} (got {text!r})", option)
        if check_name is not None:
            check_name(name, text)
        try:
            lo, hi = float(lo_s), float(hi_s)
        except ValueError:
            bad_option(f"LOW and HIGH must be numbers (got {text!r})", option)
        if check_range is not None:
            check_range(lo, hi, text)
        elif not (math.isfinite(lo) and math.isfinite(hi)):
            bad_option(f"LOW and HIGH must be finite (got {text!r})", option)
        if name in out:
            bad_option(f"{noun} {name} is given twice", option)
        out[name] = (lo, hi)
    return out
