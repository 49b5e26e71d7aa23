"""Fundamentals shipped to Dask workers (scenarios.data.fundamentals.shipped): inside a task the
defaults answer from the client's shipment, never from the worker's own folder, store or rule."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pandas as pd
import pytest

from scenarios.data.fundamentals.lags import lags_from_env
from scenarios.data.fundamentals.resolver import default_estimates, default_fundamentals
from scenarios.data.fundamentals.shipped import (
    FundamentalsMiss,
    ShippedEstimates,
    ShippedSource,
    active,
    ship_fundamentals,
    shipped_to_worker,
)
from scenarios.errors import DataFormatError, ScenarioError


def _as_a_worker(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The environment of a remote worker: no fundamentals folder, no price folder, no rule."""
    monkeypatch.setenv("SCENARIOS_FUNDAMENTALS", str(tmp_path / "missing"))
    monkeypatch.setenv("SCENARIOS_PRICES", str(tmp_path / "missing-prices"))
    monkeypatch.delenv("SCENARIOS_REPORTING_LAGS", raising=False)


def test_a_task_reads_what_the_client_resolved(fund_env: Path, monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path) -> None:
    monkeypatch.setenv("SCENARIOS_REPORTING_LAGS", "US.FY=90D")
    client, estimates, lags = default_fundamentals(), default_estimates(), lags_from_env()
    assert lags.lag("US", "FY") == "90D" and estimates is not None
    shipped = pickle.loads(pickle.dumps(ship_fundamentals(["9988.HK", "AMZN"])))  # it crosses a wire
    assert shipped.listings == {"9988.HK", "AMZN"} and set(shipped.frames) >= {"9988.HK", "BABA", "AMZN"}

    _as_a_worker(monkeypatch, tmp_path)
    with shipped_to_worker(shipped) as misses:
        src = default_fundamentals()
        assert isinstance(src, ShippedSource) and src.describe() == client.describe()
        for sym in ("9988.HK", "AMZN"):
            pd.testing.assert_frame_equal(src.get_for(sym), client.get_for(sym))
        assert lags_from_env() == lags  # the client's rule, not the worker's (default) one
        est = default_estimates()
        assert isinstance(est, ShippedEstimates) and str(est.path) == str(estimates.path)
        for day in ("2025-09-16", "2025-09-17", "2025-12-31", "2026-03-20", "2027-01-01"):
            assert est.consensus("AMZN", day) == estimates.consensus("AMZN", day)
        assert est.span("AMZN") == estimates.span("AMZN")
        assert not misses
        with pytest.raises(FundamentalsMiss):  # not shipped: noted, for the client to ship
            src.get_for("MSFT")
        with pytest.raises(FundamentalsMiss):
            est.consensus("NVDA", "2026-01-01")
        assert misses == {"MSFT", "NVDA"}
    assert active() is None
    with pytest.raises(ScenarioError, match="SCENARIOS_FUNDAMENTALS"):  # outside a task: its own env again
        default_fundamentals()


def test_a_shipment_is_in_force_in_its_task_s_thread_only(fund_env: Path) -> None:
    import threading

    seen: list[object] = []
    with shipped_to_worker(ship_fundamentals([])):
        assert active() is not None
        t = threading.Thread(target=lambda: seen.append(active()))  # another task on the same worker
        t.start()
        t.join()
    assert seen == [None] and active() is None


def test_grown_shipments_keep_what_they_had(fund_env: Path) -> None:
    first = ship_fundamentals(["AMZN"])
    more = ship_fundamentals(["MSFT", "AMZN"], base=first)
    assert first.listings == {"AMZN"} and more.listings == {"AMZN", "MSFT"}
    assert more.frames["AMZN"] is first.frames["AMZN"] and "MSFT" not in first.frames
    assert ship_fundamentals([], base=more) == more


def test_nothing_shipped_is_a_miss_not_the_workers_own_data(fund_env: Path, monkeypatch: pytest.MonkeyPatch,
                                                             tmp_path: Path) -> None:
    with shipped_to_worker(None) as misses:
        with pytest.raises(FundamentalsMiss):
            default_fundamentals().get_for("AMZN")
        with pytest.raises(FundamentalsMiss):
            default_estimates().consensus("AMZN", "2026-01-01")  # type: ignore[union-attr]
        assert misses == {"AMZN"}


def test_client_errors_are_raised_again_in_the_task(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    folder = tmp_path / "fund"
    (folder / "yfinance").mkdir(parents=True)
    (folder / "yfinance" / "AAA.json").write_text('{"ticker": "AAA", "financials": {"2024-12-31": '
                                                  '{"Total Revenue": "lots"}}}\n')
    monkeypatch.setenv("SCENARIOS_FUNDAMENTALS", str(folder))
    with pytest.raises(DataFormatError) as on_client:
        default_fundamentals().get("AAA")
    shipped = pickle.loads(pickle.dumps(ship_fundamentals(["AAA"])))
    assert shipped.estimates_path is None  # the client has no estimates folder
    _as_a_worker(monkeypatch, tmp_path)
    with shipped_to_worker(shipped) as misses:
        with pytest.raises(DataFormatError) as on_worker:
            default_fundamentals().get_for("AAA")
        assert str(on_worker.value) == str(on_client.value) and "AAA.json" in str(on_worker.value)
        assert default_estimates() is None
        assert not misses


def test_a_bad_lag_rule_fails_in_the_task_as_on_the_client(fund_env: Path, monkeypatch: pytest.MonkeyPatch,
                                                            tmp_path: Path) -> None:
    monkeypatch.setenv("SCENARIOS_REPORTING_LAGS", "XX.FY=3M")
    with pytest.raises(ScenarioError) as on_client:
        lags_from_env()
    shipped = pickle.loads(pickle.dumps(ship_fundamentals(["AMZN"])))
    _as_a_worker(monkeypatch, tmp_path)
    lags_from_env()  # the worker's own (empty) rule is fine ...
    with shipped_to_worker(shipped):
        for call in (lags_from_env, default_fundamentals):  # ... the client's is not, nor its resolver
            with pytest.raises(ScenarioError) as on_worker:
                call()
            assert str(on_worker.value) == str(on_client.value)


def test_a_client_without_a_fundamentals_folder_ships_its_error(monkeypatch: pytest.MonkeyPatch,
                                                                tmp_path: Path) -> None:
    monkeypatch.setenv("SCENARIOS_FUNDAMENTALS", str(tmp_path / "nope"))
    shipped = ship_fundamentals(["AMZN"])
    assert isinstance(shipped.resolver_error, ScenarioError)
    monkeypatch.delenv("SCENARIOS_FUNDAMENTALS")
    with shipped_to_worker(shipped), pytest.raises(ScenarioError, match="is not a folder"):
        default_fundamentals()


@pytest.mark.snapshot
def test_a_from_data_run_in_a_task_is_the_serial_run(fund_env: Path, snapshot_source, monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    """The worker loop without Dask: run, miss, ship what was missed, run again."""
    from scenarios.engine import run_scenario
    from scenarios.model import scenario_from_dict

    s = scenario_from_dict({
        "name": "t", "as_of": "2026-01-30", "horizon": "3M", "universe": ["0700.HK", "AMZN"],
        "currency": "HKD", "fx": {"CNYHKD": 1.08, "USDHKD": 7.8},
        "baseline": {"0700.HK": {"eps": "from_data", "shares": "from_data"},
                     "AMZN": {"eps": "forward_from_data"}},
        "drivers": [{"type": "rerating", "change": {"dist": "normal", "mean": 0.0, "sd": 0.1}}],
        "monte_carlo": {"draws": 50, "seed": 3}})
    serial = json.dumps(run_scenario(s, source=snapshot_source).inputs, default=str)
    shipped = ship_fundamentals([])
    _as_a_worker(monkeypatch, tmp_path)
    for _ in range(5):
        with shipped_to_worker(shipped) as misses:
            try:
                remote = json.dumps(run_scenario(s, source=snapshot_source).inputs, default=str)
            except FundamentalsMiss:
                pass
        if not misses:
            break
        monkeypatch.setenv("SCENARIOS_FUNDAMENTALS", str(fund_env))  # the client ships them
        shipped = ship_fundamentals(misses, base=shipped)
        _as_a_worker(monkeypatch, tmp_path)
    assert shipped.listings == {"0700.HK", "AMZN"}
    assert remote == serial
    assert '"forward_from_data"' in serial and '"from_data"' in serial
