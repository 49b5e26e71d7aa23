"""Baselines from data in scenarios (``eps: from_data``), through the engine and the CLI."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scenarios.cli.app import main
from scenarios.engine import run_scenario as _run_scenario
from scenarios.errors import DataUnavailableError, ScenarioError, ScenarioErrors
from scenarios.model import scenario_from_dict

# these tests read every draw of the contributions, EPS or the multiple
run_scenario = partial(_run_scenario, keep_draws=True)


def _tencent(as_of: str, baseline: dict, drivers: list | None = None) -> dict:
    return {"name": "t", "as_of": as_of, "horizon": "6M", "universe": ["0700.HK"], "currency": "HKD",
            "fx": {"CNYHKD": 1.08}, "baseline": {"0700.HK": baseline},
            "drivers": drivers if drivers is not None else [
                # recurring: an EPS drag, so it depends on the baseline the data resolves
                {"type": "subsidy", "symbols": ["0700.HK"], "amount": 30, "unit": "bn", "currency": "CNY",
                 "recurrence": "recurring"}],
            "monte_carlo": {"draws": 20, "seed": 1}}


def test_eps_from_data_fills_and_echoes(fund_env, snapshot_source) -> None:
    s = scenario_from_dict(_tencent("2025-04-01", {"eps": "from_data", "shares": "from_data", "sales": "from_data"}))
    r = run_scenario(s, source=snapshot_source)
    b = r.inputs["baseline"]["0700.HK"]
    assert b["eps"]["value"] == 20.486 and b["currency"] == "CNY"
    assert b["sales"] == {"value": 660.257, "unit": "bn", "source": b["sales"]["source"]}
    assert b["shares"]["value"] == 9.408
    echo = r.inputs["resolved"]["fundamentals"]["0700.HK"]["eps"]
    assert (echo["period_end"], echo["basis"], echo["source"], echo["known_from"]) == \
        ("2024-12-31", "FY", "yfinance", "2025-03-31")
    # the engine's EPS is in HKD through the scenario's FX
    assert r.eps[0, 0] < 20.486 * 1.08  # the subsidy drag lowers it from the baseline


def test_typed_values_win_next_to_from_data_true(fund_env, snapshot_source) -> None:
    s = scenario_from_dict(_tencent("2025-04-01", {"from_data": True, "eps": 27.2}))
    r = run_scenario(s, source=snapshot_source)
    b = r.inputs["baseline"]["0700.HK"]
    assert b["eps"]["value"] == 27.2 and b["sales"]["value"] == 660.257
    assert b["net_debt"] is None  # 0700.HK has no Total Debt: from_data: true skips it
    assert "eps" not in r.inputs["resolved"]["fundamentals"]["0700.HK"]


def test_missing_item_is_a_located_error_naming_what_the_data_has(fund_env, snapshot_source) -> None:
    s = scenario_from_dict(_tencent("2025-04-01", {"eps": "from_data", "shares": "from_data",
                                                   "net_debt": "from_data"}))
    with pytest.raises(ScenarioError) as info:
        run_scenario(s, source=snapshot_source)
    msg = str(info.value)
    assert "baseline.0700.HK.net_debt" in msg and "no net_debt for 0700.HK" in msg
    assert "eps_diluted" in msg  # what the source does have


def test_before_the_first_known_period_the_error_says_when(fund_env, snapshot_source) -> None:
    s = scenario_from_dict(_tencent("2022-01-10", {"eps": "from_data", "shares": "from_data"}))
    with pytest.raises(ScenarioError, match=r"becomes known on 2023-03-31"):
        run_scenario(s, source=snapshot_source)


def test_each_walk_forward_window_resolves_its_own_baseline(fund_env, snapshot_source) -> None:
    """The subsidy's drag is amount x (1 - tax) x fx / shares / EPS0: it changes when FY2024
    becomes known (2025-03-31) and not before."""
    from scenarios.backtest.forecast import scenario_forecaster

    s = scenario_from_dict(_tencent("2025-01-02", {"eps": "from_data", "shares": "from_data"}))

    def drag(day: str) -> float:
        r = run_scenario(s, source=snapshot_source, as_of=day)
        return float(np.mean(r.contributions["subsidy"]))

    before = [drag(d) for d in ("2025-03-20", "2025-03-28", "2025-03-30")]
    after = drag("2025-03-31")
    assert before[0] == before[1] == before[2]
    assert after != before[0]
    # the same through the walk-forward's forecaster (it re-runs the engine at each window's
    # as_of): with only the fixed subsidy, the predicted return is exp(drag) - 1 in every draw
    f = scenario_forecaster(s, source=snapshot_source, draws=20, seed=1)
    ens = {d: f(pd.Timestamp(d)).ensemble for d in ("2025-03-28", "2025-03-30", "2025-03-31")}
    assert np.array_equal(ens["2025-03-28"], ens["2025-03-30"])
    assert not np.allclose(ens["2025-03-30"], ens["2025-03-31"])
    assert np.allclose(ens["2025-03-31"], np.expm1(after))


def test_forward_from_data_states_the_analyst_count(fund_env, snapshot_source, fundamentals_dir: Path) -> None:
    raw = json.loads((fundamentals_dir / "estimates" / "2026-02-20.json").read_text())["AMZN"]
    s = scenario_from_dict({"name": "f", "as_of": "2026-02-20", "horizon": "3M", "universe": ["AMZN"],
                            "currency": "USD", "baseline": {"AMZN": {"eps": "forward_from_data"}},
                            "drivers": [{"type": "rerating", "change": 0.0}], "monte_carlo": {"draws": 5}})
    r = run_scenario(s, source=snapshot_source)
    eps = r.inputs["baseline"]["AMZN"]["eps"]
    assert eps["value"] == raw["fwd_eps"]
    assert f"{int(raw['fwd_eps_analyst_count'])} analysts" in eps["source"]


def test_forward_only_for_eps() -> None:
    with pytest.raises(ScenarioErrors, match="forward_from_data is available for eps only"):
        scenario_from_dict(_tencent("2025-04-01", {"sales": "forward_from_data"}))


def test_offline_without_dumps_is_one_paragraph(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture, snapshot_dir: Path) -> None:
    empty = tmp_path / "nothing"
    empty.mkdir()
    monkeypatch.setenv("SCENARIOS_FUNDAMENTALS", str(empty))
    path = tmp_path / "s.yaml"
    import yaml

    path.write_text(yaml.safe_dump(_tencent("2025-04-01", {"eps": "from_data", "shares": "from_data"})))
    code = main(["run", str(path), "--draws", "10"])
    err = capsys.readouterr().err
    assert code == DataUnavailableError.exit_code == 3
    assert "Traceback" not in err
    assert "baseline.0700.HK.eps" in err and "no" in err and "SCENARIOS_FUNDAMENTALS" in err
    assert err.strip().count("\n\n") == 0


def test_cli_fundamentals_json_known_values(fund_env, capsys: pytest.CaptureFixture) -> None:
    def values(*args: str) -> dict[str, dict]:
        assert main(["data", "fundamentals", *args, "--format", "json"]) == 0
        return {v["item"]: v for v in json.loads(capsys.readouterr().out)["values"]}

    t = values("0700.HK", "--as-of", "2025-04-01")
    assert t["revenue"]["value"] == 660_257_000_000.0 and t["eps_diluted"]["value"] == 20.486
    assert values("0700.HK", "--as-of", "2025-03-01")["revenue"]["period_end"] == "2023-12-31"
    m = values("MSFT", "--as-of", "2024-09-01")
    assert m["revenue"]["value"] == 245_122_000_000.0 and m["capex"]["value"] == 44_477_000_000.0
    a = values("AMZN", "--as-of", "2025-03-05")
    assert a["capex"]["value"] == 82_999_000_000.0 and a["fcf"]["value"] == 38_219_000_000.0
    ali = values("9988.HK", "--as-of", "2025-06-01")
    assert ali["eps_diluted"]["value"] == 53.6 / 8 and ali["eps_diluted"]["per_share_basis"] == "ordinary"


def test_cli_table_and_check(fund_env, capsys: pytest.CaptureFixture) -> None:
    assert main(["data", "fundamentals", "0700.HK", "--as-of", "2025-04-01"]) == 0
    out = capsys.readouterr().out
    assert "660.257bn" in out and "20.4860" in out
    assert main(["data", "check", "--fundamentals", "--format", "json"]) == 0
    checks = {(i["symbol"], i["check"]) for i in json.loads(capsys.readouterr().out)}
    assert ("0700.HK", "missing_total_debt") in checks and ("AMZN", "ttm_in_annual") in checks


def test_cli_import_fundamentals_folder_then_read_from_store(fundamentals_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture) -> None:
    monkeypatch.delenv("SCENARIOS_PRICES", raising=False)
    monkeypatch.delenv("SCENARIOS_FUNDAMENTALS", raising=False)
    assert main(["data", "import", str(fundamentals_dir)]) == 0
    assert "fundamentals rows" in capsys.readouterr().out
    assert main(["data", "fundamentals", "MSFT", "--as-of", "2024-09-01", "--format", "json"]) == 0
    got = {v["item"]: v["value"] for v in json.loads(capsys.readouterr().out)["values"]}
    assert got["revenue"] == 245_122_000_000.0


def test_ads_listing_in_usd_needs_the_cny_rate(fund_env, snapshot_source) -> None:
    data = {"name": "b", "as_of": "2025-06-30", "horizon": "3M", "universe": ["BABA"], "currency": "USD",
            "baseline": {"BABA": {"eps": "from_data", "shares": "from_data"}},
            "drivers": [{"type": "rerating", "change": 0.0}], "monte_carlo": {"draws": 5}}
    with pytest.raises(ScenarioError, match=r"baseline.BABA.currency.*in CNY \(statement currency\).*USD"):
        run_scenario(scenario_from_dict(data), source=snapshot_source)
    data["fx"] = {"USDCNY": 7.17}
    from scenarios.data.memory import flat_source

    r = run_scenario(scenario_from_dict(data), source=flat_source({"BABA": 120.0}))  # no BABA prices in the snapshot
    assert r.multiple[0, 0] == pytest.approx(120.0 / (53.6 / 7.17))  # P/E on USD EPS per ADS
    b = r.inputs["baseline"]["BABA"]
    assert b["eps"]["value"] == 53.6 and b["currency"] == "CNY"  # per ADS, FY to 2025-03-31
    assert b["shares"]["value"] == 2.41475  # bn ADS
    assert r.inputs["resolved"]["fundamentals"]["BABA"]["eps"]["per_share_basis"] == "ADS"


def test_items_the_model_has_no_field_for_are_refused() -> None:
    with pytest.raises(ScenarioErrors, match=r"capex: from_data is not available \(from data: eps, shares"):
        scenario_from_dict(_tencent("2025-04-01", {"capex": "from_data"}))
