"""Fundamentals cached in the DuckDB store (table ``fundamentals``, one row per canonical row).

Written by ``scenarios data import FUNDAMENTALS_DIR`` and by the resolver after a live Yahoo
fetch; a write replaces every row of that (symbol, source) in one transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, overload

import pandas as pd

from scenarios.data.fundamentals.frame import COLUMNS, empty_frame, to_canonical
from scenarios.data.symbols import normalize_symbol
from scenarios.errors import StoreError
from scenarios.store.db import StoreConnection, connect, store_path, transaction

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS fundamentals (
        symbol VARCHAR NOT NULL, item VARCHAR NOT NULL, period_end DATE NOT NULL,
        period_type VARCHAR NOT NULL, value DOUBLE NOT NULL, currency VARCHAR NOT NULL,
        per_share_basis VARCHAR NOT NULL, source VARCHAR NOT NULL, known_from DATE NOT NULL,
        filed DATE, fetched_at TIMESTAMP NOT NULL)""",
)


class FundamentalsStore:
    """Read/write canonical fundamentals in the store file (default ``$SCENARIOS_HOME``)."""

    name = "store"

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else store_path()
        self._con: StoreConnection | None = None

    @overload
    def _connection(self, create: Literal[True]) -> StoreConnection: ...

    @overload
    def _connection(self, create: bool) -> StoreConnection | None: ...

    def _connection(self, create: bool) -> StoreConnection | None:
        if self._con is None:
            if not create and not self.path.exists():
                return None
            self._con = con = connect(self.path)
            import duckdb

            try:
                for stmt in _SCHEMA:
                    con.execute(stmt)
            except duckdb.Error as exc:
                raise StoreError(f"cannot prepare the store at {self.path}: {exc}") from exc
        return self._con

    def close(self) -> None:
        """Close the database connection (if open)."""
        if self._con is not None:
            self._con.close()
            self._con = None

    def __enter__(self) -> FundamentalsStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def write(self, frame: pd.DataFrame) -> int:
        """Replace the rows of every (symbol, source) in ``frame``; returns rows written."""
        if frame.empty:
            return 0
        con = self._connection(create=True)
        now = datetime.now(UTC).replace(tzinfo=None)
        data = frame.loc[:, list(COLUMNS)].assign(fetched_at=now)
        keys = list(data[["symbol", "source"]].drop_duplicates().itertuples(index=False))
        import duckdb

        try:
            with transaction(con):
                for sym, src in keys:
                    con.execute("DELETE FROM fundamentals WHERE symbol = ? AND source = ?", [sym, src])
                con.register("_fund_in", data)
                try:
                    con.execute("INSERT INTO fundamentals SELECT symbol, item, period_end, period_type, value, "
                                "currency, per_share_basis, source, known_from, filed, fetched_at FROM _fund_in")
                finally:
                    con.unregister("_fund_in")
        except duckdb.Error as exc:
            raise StoreError(f"cannot write fundamentals to the store at {self.path}: {exc}") from exc
        return len(data)

    def get(self, symbol: str) -> pd.DataFrame:
        """Return the saved fundamentals rows of ``symbol`` (empty when none)."""
        con = self._connection(create=False)
        if con is None:
            return empty_frame()
        sym = normalize_symbol(symbol)
        import duckdb

        try:
            df = con.execute(f"SELECT {', '.join(COLUMNS)} FROM fundamentals WHERE symbol = ?", [sym]).df()
        except duckdb.Error as exc:
            raise StoreError(f"cannot read fundamentals from the store at {self.path}: {exc}") from exc
        return to_canonical(df) if len(df) else empty_frame()

    def symbols(self) -> list[str]:
        """Return the symbols with saved fundamentals."""
        con = self._connection(create=False)
        if con is None:
            return []
        return [r[0] for r in con.execute("SELECT DISTINCT symbol FROM fundamentals ORDER BY 1").fetchall()]
