"""Shared pieces of the typed results: the frozen base model, the schema version, the index line names."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TypeAlias

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["INDEX_BASE_LINE", "INDEX_LINE", "READABLE_VERSIONS", "SCHEMA_VERSION", "Num", "frame_of"]

#: Version of the JSON form written by this module (1: the first release, same keys).
SCHEMA_VERSION = 3
#: Versions this module reads (3 adds optional keys: noise-free forecast, Shapley attribution
#: in pp, Monte Carlo standard errors, IC status; payloads of 1 and 2 read back without them).
READABLE_VERSIONS = frozenset({1, 2, 3})

#: ``index_summary`` line of the re-weighted index (or the basket) and of the scheme's own weights.
INDEX_LINE = "index"
INDEX_BASE_LINE = "index (baseline weights)"

Num: TypeAlias = float | None


class _Model(BaseModel):
    """Frozen, strict about unknown keys.

    Dumps only the keys it was given (``exclude_unset``), so a payload reads back and writes out key
    for key.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (the recorded payload form)."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)

    def to_json(self, *, indent: int | None = 2) -> str:
        """:meth:`to_dict` as strict JSON text (no NaN)."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, allow_nan=False)


def frame_of(rows: list[Any], model: type[_Model], index: str | list[str]) -> pd.DataFrame:
    """Return ``rows`` (instances of ``model``) as a DataFrame with ``model``'s keys as columns."""
    import pandas as pd

    cols = [f.alias or name for name, f in model.model_fields.items()]
    df = pd.DataFrame([r.model_dump(by_alias=True) for r in rows], columns=cols)
    return df.set_index(index)
