"""Read a fundamentals JSON file; every problem becomes a ``file:line`` :class:`DataFormatError`.

``json`` gives a line for syntax errors. For a well-formed file whose content is wrong (a
value that is not a number, a period key that is not a date), :class:`JsonFile` finds the line
by following the path of keys through the text (``"cashflow"`` then ``"2024-12-31"`` then
``"Free Cash Flow"``), so the message points where an editor should jump.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from scenarios.errors import DataFormatError

_SYMBOL = re.compile(r"^[A-Z0-9^][A-Z0-9.^=&-]{0,19}$")


class JsonFile:
    """A parsed JSON file with located errors."""

    def __init__(self, path: str | Path, text: str | None = None) -> None:
        self.path = Path(path)
        try:
            self.text = text if text is not None else self.path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise DataFormatError(f"not UTF-8 text ({exc.reason})", file=self.path, line=1) from None
        except OSError as exc:
            raise DataFormatError(f"cannot read the file: {exc.strerror}", file=self.path) from None
        if not self.text.strip():
            raise DataFormatError("the file is empty (expected a JSON object)", file=self.path, line=1)
        try:
            self.data: Any = json.loads(self.text)
        except json.JSONDecodeError as exc:
            raise DataFormatError(f"invalid JSON: {exc.msg} (column {exc.colno})", file=self.path,
                                  line=exc.lineno) from None

    def line_of(self, *keys: str | int) -> int:
        """1-based line of the last key of ``keys`` found in order through the text."""
        pos = 0
        for k in keys:
            if isinstance(k, int):
                continue
            hit = self.text.find(json.dumps(k), pos)
            if hit < 0:
                break
            pos = hit
        return self.text.count("\n", 0, pos) + 1

    def error(self, message: str, *keys: str | int) -> DataFormatError:
        """Return a located :class:`DataFormatError` at ``keys`` of this file."""
        where = "".join(f"[{k}]" if isinstance(k, int) else (f".{k}" if i else str(k))
                        for i, k in enumerate(keys))
        text = f"{where}: {message}" if where else message
        return DataFormatError(text, file=self.path, line=self.line_of(*keys))

    def mapping(self, value: Any, *keys: str | int) -> dict[str, Any]:
        """Return ``value`` if it is a JSON object, else raise a located error."""
        if not isinstance(value, dict):
            raise self.error(f"expected a JSON object (got {type(value).__name__})", *keys)
        return value

    def number(self, value: Any, *keys: str | int, allow_null: bool = True) -> float | None:
        """Return a finite float; None for JSON null (when allowed); located error otherwise."""
        if value is None and allow_null:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(f"expected a number (got {json.dumps(value)[:40]})", *keys)
        v = float(value)
        if not math.isfinite(v):
            raise self.error(f"expected a finite number (got {value})", *keys)
        return v

    def symbol(self, value: object, *keys: str | int) -> str:
        """Return a listing symbol (Yahoo spelling), e.g. 0700.HK, BABA, BRK-B; located error otherwise."""
        from scenarios.data.symbols import normalize_symbol

        if not isinstance(value, str) or not value.strip():
            raise self.error(f"expected a symbol such as 0700.HK or MSFT (got {json.dumps(value)[:40]})", *keys)
        sym = normalize_symbol(value)
        if not _SYMBOL.match(sym):
            raise self.error(f"expected a symbol such as 0700.HK or MSFT (got {json.dumps(value)[:40]})", *keys)
        return sym
