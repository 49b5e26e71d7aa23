"""Progress bars for long commands (walk-forward backtests, large draws).

:func:`progress` wraps an iterable. When standard error is a terminal it shows a rich progress
bar there (description, bar, done/total, percent, elapsed and remaining time); otherwise (a pipe,
a file, CI logs, tests) it is a silent pass-through that prints nothing at all, so piped output
and logs stay clean.

``SCENARIOS_PROGRESS=0`` turns the bar off even on a terminal; ``SCENARIOS_PROGRESS=1`` forces it
on (useful to record a terminal session).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

__all__ = ["progress", "progress_enabled"]

T = TypeVar("T")


def progress_enabled(stream: object | None = None) -> bool:
    """Return True when a progress bar should be drawn on ``stream`` (default: ``sys.stderr``)."""
    flag = os.environ.get("SCENARIOS_PROGRESS", "").strip().lower()
    if flag in ("0", "false", "no", "off"):
        return False
    if flag in ("1", "true", "yes", "on"):
        return True
    stream = sys.stderr if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if callable(isatty) else False
    except (ValueError, OSError):  # closed or detached stream
        return False


def progress(iterable: Iterable[T], total: int | None = None, description: str = "") -> Iterator[T]:
    """Yield the items of ``iterable``, drawing a progress bar on stderr when it is a terminal.

    Parameters
    ----------
    iterable:
        Anything iterable; it is consumed lazily (one item at a time).
    total:
        Number of items, for the bar's length and the time estimate. Defaults to
        ``len(iterable)`` when the iterable has a length; otherwise the bar shows a pulse and a
        count.
    description:
        Short label shown before the bar (e.g. ``"walk-forward"``).

    Notes
    -----
    Stopping early (``break``, an exception) closes the bar cleanly. Off a terminal nothing is
    printed and the items pass through unchanged.
    """
    if total is None:
        try:
            total = len(iterable)  # type: ignore[arg-type]
        except TypeError:
            total = None
    if not progress_enabled():
        yield from iterable
        return
    yield from _rich_progress(iterable, total, description)


def _rich_progress(iterable: Iterable[T], total: int | None, description: str) -> Iterator[T]:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from scenarios.console import make_console

    console = make_console(stderr=True, markup=True,
                           force_terminal=True if os.environ.get("SCENARIOS_PROGRESS") else None)
    columns = [
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    ]
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task(description or "working", total=total)
        for item in iterable:
            yield item
            bar.advance(task)
