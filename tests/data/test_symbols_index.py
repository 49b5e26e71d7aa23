"""``scenarios.data.symbols.is_index`` / ``return_kind``: the one rule for index levels."""

from __future__ import annotations

import pytest

from scenarios.data.symbols import INDEX_SYMBOLS, is_index, return_kind


@pytest.mark.parametrize("symbol, expected", [
    ("^HSI", True), ("^hsi", True), ("^GSPC", True), ("^VIX", True), (" ^ixic ", True),
    ("HSTECH.HK", True), ("hstech.hk", True), ("HSCEI.HK", True), ("000300.SS", True),
    ("399006.SZ", True),
    ("0700.HK", False), ("700", False), ("HK.00700", False), ("9988.HK", False), ("MSFT", False),
    ("688256.SS", False), ("300308.SZ", False), ("601138.SS", False), ("HSTECH", False),
])
def test_is_index(symbol: str, expected: bool) -> None:
    assert is_index(symbol) is expected
    assert return_kind(symbol) == ("price" if expected else "total")


def test_every_listed_index_is_normalized_and_not_a_stock_code() -> None:
    from scenarios.data.symbols import normalize_symbol

    for s in INDEX_SYMBOLS:
        assert normalize_symbol(s) == s and is_index(s)
        assert not s.startswith("^")  # ^ symbols need no list


def test_snapshot_files_split_into_indexes_and_stocks(snapshot_dir) -> None:
    """Every index in the real snapshot is recognized and carries no dividends (its closes are
    levels, so its returns are price returns); no stock is taken for one."""
    import pandas as pd

    names = sorted(p.stem for p in snapshot_dir.glob("*.csv"))
    indexes = {s for s in names if is_index(s)}
    for sym in indexes:
        div = pd.read_csv(snapshot_dir / f"{sym}.csv", usecols=["dividends"])["dividends"]
        assert div.fillna(0).eq(0).all(), sym
    assert {"^HSI", "^GSPC", "^VIX", "HSTECH.HK", "000300.SS"} <= indexes
    assert not indexes & {"0700.HK", "9988.HK", "300308.SZ", "601138.SS", "MSFT", "NVDA"}
    # the stocks that paid dividends in the snapshot are all total-return symbols
    payers = [s for s in names
              if pd.read_csv(snapshot_dir / f"{s}.csv", usecols=["dividends"])["dividends"].fillna(0).gt(0).any()]
    assert len(payers) > 20 and all(return_kind(s) == "total" for s in payers)


def test_the_backtest_uses_the_same_index_list() -> None:
    """The backtest and the claim checker use this one rule (re-exported, not copied)."""
    from scenarios.backtest import realized
    from scenarios.seeds import check

    assert realized.INDEX_SYMBOLS is INDEX_SYMBOLS and realized.is_index is is_index
    assert check.is_index is is_index and check.INDEX_SYMBOLS is INDEX_SYMBOLS
    for s in ("^HSI", "HSTECH.HK", "0700.HK", "000300.SS", "MSFT"):
        assert realized.is_index(s) == is_index(s) and realized.return_kind(s) == return_kind(s)

