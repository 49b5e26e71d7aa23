"""With no SCENARIOS_PRICES, an empty store and Yahoo out of reach, ``run``, ``validate`` and
``backtest`` explain the setup (as ``data check`` does) instead of blaming the symbol; a typo
in a universe is an unknown symbol on the universe line with close matches (issue 16)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scenarios.cli.app import main
from scenarios.errors import YahooUnreachableError

FIXTURE = Path(__file__).parents[1] / "model" / "fixtures" / "tencent_small.yaml"
COMMANDS = [["validate"], ["run", "--no-record"], ["backtest", "--no-record"]]


@pytest.fixture
def unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    from scenarios.data.yahoo import YahooSource

    def fetch(self, symbol, start=None, end=None):
        raise YahooUnreachableError(f"Yahoo Finance could not be reached while fetching {symbol}")

    monkeypatch.delenv("SCENARIOS_PRICES", raising=False)
    monkeypatch.delenv("SCENARIOS_OFFLINE", raising=False)
    monkeypatch.setattr(YahooSource, "fetch", fetch)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_offline_without_prices_explains_the_setup(unreachable, command, capsys) -> None:
    code = main([*command, str(FIXTURE)])
    err = capsys.readouterr().err
    assert code == 2, err
    first = f"{FIXTURE}:10:12 universe[0]: no price data for 0700.HK"
    assert first in err
    for part in ("it is not in the local store", "SCENARIOS_PRICES is not set",
                 "Yahoo Finance could not be reached", "scenarios data import DIR"):
        assert part in err
    assert "unknown symbol" not in err and "has no data for it" not in err
    assert err.count("To fix it") == 1  # one paragraph, then short pointers
    assert "no price data for 9988.HK either (see the first error)" in err


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_offline_flag_is_named_too(command, capsys, monkeypatch) -> None:
    monkeypatch.delenv("SCENARIOS_PRICES", raising=False)  # conftest sets SCENARIOS_OFFLINE=1
    assert main([*command, str(FIXTURE)]) == 2
    err = capsys.readouterr().err
    assert "Yahoo Finance was not asked because SCENARIOS_OFFLINE=1" in err and "unknown symbol" not in err


@pytest.mark.snapshot
def test_a_typo_in_the_universe_is_an_unknown_symbol_with_suggestions(snapshot_dir, tmp_path, capsys) -> None:
    text = FIXTURE.read_text(encoding="utf-8").replace(
        "universe: [0700.HK, 9988.HK]", "universe: [0700.HK, 9988.HK, 0700.HX]")
    path = tmp_path / "typo.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:10:30 universe[2]: unknown symbol 0700.HX" in err
    assert "did you mean 0700.HK" in err


@pytest.mark.snapshot
def test_named_universe_members_without_prices_are_left_out_with_a_warning(snapshot_dir, tmp_path,
                                                                           capsys) -> None:
    """hstech on 2024-06-28 lists 1833.HK and 9898.HK, which the snapshot has no file for."""
    path = tmp_path / "h.yaml"
    path.write_text("name: hstech-2024\nas_of: 2024-06-28\nhorizon: 6M\nuniverse: hstech\n"
                    "benchmarks: [HSTECH.HK]\ncurrency: HKD\ndrivers:\n  - type: rerating\n"
                    "    change: {dist: uniform, low: -0.1, high: 0.1}\n"
                    "monte_carlo: {draws: 200, seed: 1}\n", encoding="utf-8")
    assert main(["run", str(path), "--no-record", "--format", "json"]) == 0
    out, err = capsys.readouterr()
    # main's one implementation: a single located warning naming every member left out
    assert (f"{path}:4:11 universe: warning: 2 of the 30 members of universe 'hstech' on 2024-06-28 "
            "have no close on or before that date in the price source (resolver) and are left out: "
            "1833.HK, 9898.HK") in err
    symbols = json.loads(out)["symbols"]
    assert len(symbols) == 28 and "1833.HK" not in symbols and "0700.HK" in symbols
    # an explicit list is different: a symbol without prices is an error on its own line
    path.write_text(path.read_text().replace("universe: hstech", "universe: [0700.HK, 1833.HK]"))
    assert main(["validate", str(path)]) == 2
    assert f"{path}:4:21 universe[1]: unknown symbol 1833.HK" in capsys.readouterr().err
