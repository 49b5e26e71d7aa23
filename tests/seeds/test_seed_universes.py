"""seeds/universes.yaml and scenarios.seeds.universes."""

from __future__ import annotations

import csv
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from scenarios.errors import DataUnavailableError, ScenarioError
from scenarios.seeds import seeds_dir
from scenarios.seeds.base import clear_cache
from scenarios.seeds.universes import (
    THEMES,
    UnknownUniverseError,
    load_universes,
    membership_intervals,
    theme_of,
    themes,
    universe_members,
)

REPO = Path(__file__).resolve().parents[2]


def test_seeds_dir_defaults_to_repo_and_honours_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SCENARIOS_SEEDS", raising=False)
    assert seeds_dir() == REPO / "seeds"
    monkeypatch.setenv("SCENARIOS_SEEDS", str(tmp_path))
    assert seeds_dir() == tmp_path


def test_hstech_has_30_members_after_every_regular_review() -> None:
    uni = load_universes().get("hstech")
    assert uni.history_start == date(2020, 7, 27)
    fast = {date(2020, 12, 22): 31, date(2021, 2, 23): 32, date(2021, 4, 9): 31}
    for d in [uni.history_start, *uni.boundaries(), date(2026, 2, 12)]:
        assert len(universe_members("hstech", d)) == fast.get(d, 30), d
        assert uni.expected_size(d) == fast.get(d, 30), d
    assert set(uni.boundaries()) - set(uni.regular_dates()) == set(fast)
    # the day before the 2021-03-15 and 2021-06-07 reviews the fast entries are still extra
    assert len(universe_members("hstech", "2021-03-12")) == 32
    assert len(universe_members("hstech", "2021-06-04")) == 31
    assert len(universe_members("hstech")) == 30


_CODE = re.compile(r"(?<![\d-])(\d{4})(?![\d-])")


def _replay_changes_table(path: Path) -> list[tuple[date, set[str]]]:
    """Independent replay of hstech_changes_2020_2024.csv: (effective date, members from then
    on) after each row. Estimated dates: '2021-02-23 (est.)' is taken as written; '2021-04
    (est.)' has no day, so the test takes 2021-04-09 (the session after Baidu's 10th trading
    day, the rule that gives the table's other two fast-entry dates)."""
    out: list[tuple[date, set[str]]] = []
    members: set[str] = set()
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            eff_text = row["effective"].split(" ")[0]
            eff = date(2021, 4, 9) if eff_text == "2021-04" else date.fromisoformat(eff_text)
            added = row["added"].split(":", 1)[1] if row["added"].startswith("LAUNCH") else row["added"]
            members -= {c + ".HK" for c in _CODE.findall(row["removed"])}
            members |= {c + ".HK" for c in _CODE.findall(added)}
            out.append((eff, set(members)))
    return out


def test_hstech_membership_replays_the_changes_table_from_launch(reference_dir: Path) -> None:
    states = _replay_changes_table(reference_dir / "hstech_changes_2020_2024.csv")
    assert states[0][0] == date(2020, 7, 27) and len(states[0][1]) == 30
    for i, (eff, expect) in enumerate(states):
        nxt = states[i + 1][0] if i + 1 < len(states) else date(2024, 12, 8)
        for day in (eff, eff + timedelta(days=1), nxt - timedelta(days=1)):
            assert set(universe_members("hstech", day)) == expect, day
    # acceptance: on 2021-06-30 Kuaishou, Baidu and Bilibili are in, ZTE is out, Koolearn
    # (1797, removed 2021-09-06) is still in
    on = set(universe_members("hstech", "2021-06-30"))
    assert len(on) == 30
    assert {"1024.HK", "9888.HK", "9626.HK", "1797.HK"} <= on and "0763.HK" not in on
    assert "1797.HK" not in universe_members("hstech", "2021-09-06")


def test_uncertain_and_fast_entries_follow_the_table() -> None:
    uni = load_universes().get("hstech")
    flagged = {m.symbol: (m.fast_entry, m.uncertain) for m in uni.members if m.fast_entry or m.uncertain}
    assert flagged == {"6618.HK": (True, False), "1024.HK": (True, True), "9888.HK": (True, True)}


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
    assert ("1797.HK", None, date(2021, 9, 6)) in iv
    assert ("1797.HK", date(2023, 9, 4), date(2025, 3, 10)) in iv


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
    with pytest.raises(DataUnavailableError, match="2020-07-27"):
        universe_members("hstech", "2020-07-24")
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
    assert (f"{name}:8:18 universes.demo.members[1].symbol: "
            "write symbols in Yahoo spelling: '0700.HK' (got '700.HK')") in text
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


def _demo(members: str, themes: str = "") -> str:
    return ("version: 1\nuniverses:\n  demo:\n    description: x\n    size: 2\n"
            "    history_start: 2025-01-01\n    members:\n" + members +
            "themes:\n  0700.HK: {name: Tencent, theme: platforms, reason: r}\n"
            "  9988.HK: {name: Alibaba, theme: platforms, reason: r}\n"
            "  3690.HK: {name: Meituan, theme: platforms, reason: r}\n" + themes)


def test_size_check_allows_fast_entries_until_the_next_regular_review(tmp_path: Path) -> None:
    p = tmp_path / "u.yaml"
    base = "      - {symbol: 0700.HK}\n"
    fast = "      - {symbol: 3690.HK, from: 2025-02-03, fast_entry: true}\n"
    # 3690 enters fast on 2025-02-03; the 2025-03-10 review takes 9988 out: 2 -> 3 -> 2 names
    p.write_text(_demo(base + "      - {symbol: 9988.HK, to: 2025-03-10}\n" + fast), encoding="utf-8")
    clear_cache()
    uni = load_universes(p).get("demo")
    assert uni.expected_size(date(2025, 2, 3)) == 3 and uni.expected_size(date(2025, 3, 10)) == 2
    assert uni.regular_dates() == [date(2025, 3, 10)]
    # without the flag, 3 names between the two dates are an error
    p.write_text(_demo(base + "      - {symbol: 9988.HK, to: 2025-03-10}\n" + fast.replace(", fast_entry: true", "")),
                 encoding="utf-8")
    clear_cache()
    with pytest.raises(ScenarioError, match=r"universe has 3 member\(s\) on 2025-02-03, not 2"):
        load_universes(p)
    # a regular review (1810 in on 2025-03-10) that leaves the fast entry extra is an error too
    p.write_text(_demo(base + "      - {symbol: 9988.HK}\n" + fast + "      - {symbol: 1810.HK, from: 2025-03-10}\n",
                       "  1810.HK: {name: Xiaomi, theme: platforms, reason: r}\n"), encoding="utf-8")
    clear_cache()
    with pytest.raises(ScenarioError, match=r"universe has 4 member\(s\) on 2025-03-10, not 2"):
        load_universes(p)


def test_cli_universe_on_2021_06_30(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from scenarios.cli.app import main

    assert main(["universe", "hstech", "--as-of", "2021-06-30", "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    syms = [m["symbol"] for m in payload["members"]]
    assert syms == universe_members("hstech", "2021-06-30") and payload["count"] == 30
    assert {"1024.HK", "9888.HK", "9626.HK", "1797.HK"} <= set(syms) and "0763.HK" not in syms
    baidu = next(m for m in payload["members"] if m["symbol"] == "9888.HK")
    assert baidu["from"] == "2021-04-09" and baidu["fast_entry"] and baidu["uncertain"]
    # 32 names between the Kuaishou fast entry and the 2021-03-15 review
    assert main(["universe", "hstech", "--as-of", "2021-03-12", "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["count"] == payload["expected_size"] == 32
    assert main(["universe", "hstech", "--as-of", "2021-06-30"]) == 0
    out = capsys.readouterr().out
    assert "30 members of hstech on 2021-06-30." in out and "fast entry, uncertain" in out
    # a bad date is a usage error, a date before the record a data error; never a crash
    assert main(["universe", "hstech", "--as-of", "30/06/2021"]) == 2
    assert main(["universe", "hstech", "--as-of", "2019-06-30"]) == 3
    assert main(["universe", "nope"]) == 2
