"""Exceptions raised by the ``scenarios`` package.

Every error a user can cause derives from :class:`ScenariosError`; the CLI turns any of them
into one readable paragraph and a non-zero exit code (``--debug`` shows the traceback).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any


def _rebuild_error(cls: type[ScenariosError], args: tuple[object, ...], state: dict[str, object]) -> Exception:
    """Unpickle a :class:`ScenariosError` without calling its constructor."""
    exc = cls.__new__(cls)
    exc.args = args
    exc.__dict__.update(state)
    return exc


def foreign_reason(exc: BaseException, limit: int = 300) -> str:
    """``"Type: message"`` of an exception raised by another library, on one line.

    Whitespace (newlines included) is squeezed to single spaces and the message is cut at
    ``limit`` characters, so that it can sit inside one of this package's own messages.
    """
    return f"{type(exc).__name__}: {' '.join(str(exc).split())[:limit]}"


class ScenariosError(Exception):
    """Base class for every user-facing error of the ``scenarios`` package."""

    #: Exit code the CLI uses for this kind of error.
    exit_code: int = 1

    def __reduce__(self) -> tuple[object, ...]:
        # keyword-only constructors (ScenarioError, ScenarioErrors) do not survive the default
        # pickling; a parallel run (scenarios.parallel) hands errors back from its workers
        return (_rebuild_error, (type(self), self.args, dict(self.__dict__)))


#: C0 controls (newline and tab included), DEL and the C1 controls
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def one_line(text: str) -> str:
    r"""Return ``text`` for a one-line place (a message, a title, a name's table cell).

    Every control character is escaped, so the text stays on its line: ``\n``, ``\r`` and
    ``\t`` show as such, other controls as ``\xNN``.
    """
    return _CONTROL.sub(lambda m: _ESCAPES.get(m.group(), f"\\x{ord(m.group()):02x}"), text)


def shown_path(path: str | Path) -> str:
    r"""Return ``path`` as a message prints it: every control character escaped (:func:`one_line`).

    A newline in a file name (``$'x\nerror: fine.yaml'``) would otherwise print as a second line
    of the message.
    """
    return one_line(str(path))


class ScenarioError(ScenariosError):
    """An input file (scenario, claims, seeds) is invalid.

    The message reads ``file:line:col field: what was expected (got value)`` so that
    editors and terminals can jump to the location.
    """

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        column: int | None = None,
        field: str | None = None,
    ) -> None:
        self.file = str(file) if file is not None else None
        self.line = line
        self.column = column
        self.field = field
        self.message = message
        super().__init__(self.format())

    @property
    def location(self) -> str:
        """``file:line:col`` (as much of it as is known)."""
        parts: list[str] = []
        if self.file is not None:
            parts.append(shown_path(self.file))
            if self.line is not None:
                parts.append(str(self.line))
                if self.column is not None:
                    parts.append(str(self.column))
        return ":".join(parts)

    def format(self) -> str:
        """Return the one-line message: location, field, then the message.

        The field and the message are shown with :func:`one_line`: a key or a value of the file
        quoted in them (``baseline.<key>``, ``file not found: <name>``) cannot break the line.
        """
        loc = self.location
        head = " ".join(p for p in (loc, one_line(self.field or "")) if p)
        return f"{head}: {one_line(self.message)}" if head else one_line(self.message)


class ScenarioErrors(ScenarioError):
    """Several :class:`ScenarioError` found in one file, reported together."""

    #: located warnings of the same file, when the loader attaches them (set only then)
    warnings: list[Any]

    def __init__(self, errors: list[ScenarioError]) -> None:
        if not errors:
            raise ValueError("ScenarioErrors needs at least one error")
        self.errors = list(errors)
        first = self.errors[0]
        super().__init__(first.message, file=first.file, line=first.line,
                         column=first.column, field=first.field)

    def format(self) -> str:  # pragma: no branch - trivial
        """Return one line per error."""
        errors = getattr(self, "errors", None)
        if not errors:
            return super().format()
        return "\n".join(e.format() for e in errors)


class OutputError(ScenariosError):
    """An output file or folder cannot be written (exists, is a folder, permission, disk full).

    The message names the path and what to do.
    """

    exit_code = 2


class DataError(ScenariosError):
    """Base class for price-data problems."""


class DataUnavailableError(DataError):
    """No source could provide the requested series (offline, unknown symbol, empty range)."""

    exit_code = 3


class BadPriceError(DataError):
    """Prices a run would use hold error-level rows (close <= 0, NaN or infinite).

    The message names the symbol, the file (or source) and the dates; ``--drop-bad-rows`` drops
    them.
    """

    exit_code = 3


class YahooUnreachableError(DataUnavailableError):
    """Yahoo Finance could not be reached at all (no network, DNS failure, time-out)."""


class DataFormatError(DataError):
    """A price file is malformed. The message names the file and line."""

    exit_code = 2

    def __init__(self, message: str, *, file: str | Path | None = None, line: int | None = None) -> None:
        self.file = str(file) if file is not None else None
        self.line = line
        loc = ":".join(shown_path(str(p)) for p in (self.file, line) if p is not None)
        super().__init__(f"{loc}: {message}" if loc else message)


class LookAheadError(DataError):
    """Something asked a :class:`~scenarios.data.view.PriceView` for data after its ``as_of``."""

    exit_code = 4


class StoreError(ScenariosError):
    """The embedded DuckDB store could not be read or written."""

    exit_code = 5


class RunNotFoundError(StoreError):
    """No recorded run has the requested id."""


class IncompatibleRunError(StoreError):
    """A recorded run (or result JSON) was written by a version of scenarios whose result format this one cannot read.

    Re-run it.
    """


class IncomparableRunsError(ScenariosError):
    """Recorded runs cannot be compared as asked.

    Fewer than two runs, or one symbol's return is a total return in one run and a price return in
    another.
    """

    exit_code = 2
