"""Is a file a scenario set (``kind: set``)? Answered without loading the set's pydantic models.

The document parsed here is handed to the loader that reads the file next
(:func:`scenarios.yamlio.peek_yaml`), so a run parses its file once.
"""

from __future__ import annotations

from pathlib import Path

from scenarios.errors import ScenarioError
from scenarios.yamlio import peek_yaml

__all__ = ["is_set_file"]


def is_set_file(path: str | Path) -> bool:
    """Return True when ``path`` is a set file.

    A set file is a YAML mapping with ``kind: set``. Errors reading it give False: the scenario
    loader then reports them.
    """
    p = Path(path)
    if not p.is_file():
        return False
    try:
        data = peek_yaml(path).data
    except ScenarioError:
        return False
    return isinstance(data, dict) and data.get("kind") == "set"
