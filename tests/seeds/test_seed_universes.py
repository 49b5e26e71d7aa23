"""seeds/universes.yaml and scenarios.seeds.universes."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import pytest

from scenarios.errors import DataUnavailableError, ScenarioError
from scenarios.seeds import seeds_dir
from scenarios.seeds.base import clear_cache
from scenarios.seeds.universes import (
    THEMES, UnknownUniverseError, load_universes, membership_intervals, theme_of, themes,
    universe_members,
)

REPO = Path(__file__).resolve().parents[2]


def test_seeds_dir_defaults_to_repo_and_honours_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SCENARIOS_SEEDS", raising=False)
    assert seeds_dir() == REPO / "seeds"
    monkeypatch.setenv("SCENARIOS_SEEDS", str(tmp_path))
    assert seeds_dir() == tmp_path


def test_hstech_has_30_members_on_every_change_date() -> None:
    uni = load_universes().get("hstech")
    for d in [uni.history_start, *uni.boundaries(), date(2026, 2, 12)]:
        assert len(universe_members("hstech", d)) == 30, d
    assert len(universe_members("hstech")) == 30


def test_as_of_accepts_timestamps_and_datetimes() -> None:
    import datetime as dt

    import pandas as pd

    expect = universe_members("hstech", "2025-03-07")
    assert universe_members("hstech", pd.Timestamp("2025-03-07")) == expect
    assert universe_members("hstech", dt.datetime(2025, 3, 7, 16, 0)) == expect
    assert universe_members("hstech", "2025-03-07T00:00:00") == expect
    assert universe_members("hstech", pd.Timestamp("2025-03-10")) != expect


def test_east_buy_and_zhongan_removed_on_2025_03_10() -> None:
    before = universe_members("hstech", "2025-03-07")
    after = universe_members("hstech", date(2025, 3, 10))
    assert {"1797.HK", "6060.HK"} <= set(before)
    assert not {"1797.HK", "6060.HK"} & set(after)
    assert {"1698.HK", "9660.HK"} <= set(after) and not {"1698.HK", "9660.HK"} & set(before)
    assert {"1797.HK", "6060.HK"} <= set(universe_members("hstech", "2024-06-28"))


def test_membership_follows_every_hstech_row_of_the_reviews_table(reference_dir: Path) -> None:
    rows = list(csv.DictReader((reference_dir / "hstech_reviews.csv").open(encoding="utf-8")))
    hstech_rows = [r for r in rows if r["index"] == "HSTECH"]
    assert hstech_rows
    for r in hstech_rows:
        eff = date.fromisoformat(r["effective"])
        day_before = eff - timedelta(days=1)
        now, prev = set(universe_members("hstech", eff)), set(universe_members("hstech", day_before))
        added, removed = set(r["added"].split()), set(r["removed"].split())
        assert added <= now and not added & prev, r
        assert removed <= prev and not removed & now, r
        if not added and not removed:
            assert now == prev, r


def test_intervals_are_consistent_with_members() -> None:
    iv = membership_intervals("hstech")
    assert iv == sorted(iv, key=lambda r: (r[0], r[1] or date.min))
    on = date(2025, 7, 1)
    expect = sorted({s for s, a, b in iv if (a is None or a <= on) and (b is None or on < b)})
    assert universe_members("hstech", on) == expect
    assert ("1797.HK", None, date(2025, 3, 10)) in iv


def test_top_ten_of_article_003_are_current_hstech_members() -> None:
    top = universe_members("hstech_top10")
    assert len(top) == 10
    assert set(top) <= set(universe_members("hstech", "2026-02-12"))


def test_static_universes() -> None:
    assert universe_members("us_hyperscalers") == ["AMZN", "GOOGL", "META", "MSFT"]
    assert universe_members("a_share_ai_compute") == sorted(
        ["688256.SS", "601138.SS", "300308.SZ", "688041.SS", "300502.SZ"])
    assert "1024.HK" not in universe_members("hsi_tech_heavyweights", "2024-12-06")
    assert "1024.HK" in universe_members("hsi_tech_heavyweights", "2024-12-09")


def test_every_snapshot_hk_stock_and_universe_member_has_a_theme(snapshot_dir: Path) -> None:
    table = themes()
    hk = [p.name[:-4] for p in snapshot_dir.glob("*.HK.csv") if p.name != "HSTECH.HK.csv"]
    assert len(hk) >= 55
    missing = [s for s in hk if s not in table]
    assert not missing
    for name in load_universes().universes:
        for s in universe_members(name):
            assert table[s].theme in THEMES and table[s].reason.strip()
    assert theme_of("700") == "platforms" and theme_of("0981.hk") == "ai_compute_chips"
    with pytest.raises(KeyError):
        theme_of("AAPL")


def test_unknown_universe_and_dates_before_history() -> None:
    with pytest.raises(UnknownUniverseError, match="unknown universe 'hstek'"):
        universe_members("hstek")
    with pytest.raises(DataUnavailableError, match="2024-01-01"):
        universe_members("hstech", "2023-06-30")
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        universe_members("hstech", "30/06/2025")


BAD = """\
version: 1
universes:
  demo:
    description: x
    size: 2
    members:
      - {symbol: 0700.HK}
      - {symbol: 700.HK, from: 2025-01-01}
      - {symbol: 9988.HK, from: 2025-05-01, to: 2025-02-01}
      - {symbol: 3690.HK, form: 2025-01-01}
themes:
  0700.HK: {name: Tencent, theme: platformz, reason: r}
  9988.HK: {name: Alibaba, theme: platforms, reason: r}
"""


def test_malformed_universes_file_gets_located_errors(tmp_path: Path) -> None:
    p = tmp_path / "universes.yaml"
    p.write_text(BAD, encoding="utf-8")
    clear_cache()
    with pytest.raises(ScenarioError) as info:
        load_universes(p)
    text = str(info.value)
    name = str(p)
    assert f"{name}:8:18 universes.demo.members[1].symbol: write symbols in Yahoo spelling: '0700.HK' (got '700.HK')" in text
    assert f"{name}:10:27 universes.demo.members[3].form: unknown field" in text
    assert f"{name}:12:35 themes.0700.HK.theme: must be one of" in text


def test_cross_checks_are_located(tmp_path: Path) -> None:
    text = BAD.replace("700.HK, from", "0700.HK, from").replace("      - {symbol: 3690.HK, form: 2025-01-01}\n", "")
    text = text.replace("platformz", "platforms")
    p = tmp_path / "u.yaml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_universes(p)
    msg = str(info.value)
    assert f"{p}:5:11 universes.demo.size: universe has 1 member(s) on 2025-01-01, not 2" in msg
    assert f"{p}:8:18 universes.demo.members[1].symbol: 0700.HK overlaps its membership at members[0]" in msg
    assert f"{p}:9:49 universes.demo.members[2].to: must be after from (2025-05-01) (got 2025-02-01)" in msg
