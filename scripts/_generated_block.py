"""A generated block inside a hand-written document: the part both doc generators share.

A document holds one block between a ``begin`` and an ``end`` marker line; the generator
replaces what is between them and leaves the rest of the file alone. ``--check`` exits 1
when the file on disk differs from what the generator would write (used by the tests).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


def replace_block(text: str, begin: str, end: str, body: str) -> str:
    """``text`` with the lines between ``begin`` and ``end`` replaced by ``body``."""
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{begin}\n{body}{end}{tail}"


def main(argv: list[str], doc: Path, render: Callable[[str], str]) -> int:
    """Rewrite ``doc`` with ``render`` (``--check``: only say whether it is stale, by exit code)."""
    old = doc.read_text(encoding="utf-8")
    new = render(old)
    if "--check" in argv:
        return 0 if new == old else 1
    doc.write_text(new, encoding="utf-8")
    return 0
