"""Plausibility checks of issue 11: a market cap outside HKD 1bn..100trn is a located error, a
5-95% band wider than -99%..+1,000% is a warning, and a walk-forward says when its windows
predate the narrative."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scenarios.backtest.scenario import narrative_date, narrative_note
from scenarios.data.memory import MemorySource
from scenarios.engine.run import run_scenario
from scenarios.errors import ScenarioErrors
from scenarios.model import load_scenario, scenario_from_dict

_DAYS = pd.bdate_range("2024-01-01", "2025-06-30")


def _source(close: float = 125.3) -> MemorySource:
    rng = np.random.default_rng(0)
    path = np.exp(np.cumsum(rng.normal(0, 0.01, len(_DAYS))))
    path = path / path[-1] * close  # ends at ``close`` on 2025-06-30
    return MemorySource({"3690.HK": pd.Series(path, index=_DAYS)})


def _file(tmp_path: Path, shares: str) -> Path:
    p = tmp_path / "mt.yaml"
    p.write_text(
        "name: mt\nas_of: 2025-06-30\nhorizon: 6M\nuniverse: [3690.HK]\n"
        "baseline:\n"
        f"  3690.HK: {{currency: CNY, eps: 5.0, shares: {shares}}}\n"
        "fx: {CNYHKD: 1.09}\n"
        "drivers:\n  - {type: earnings_growth, label: g, growth: 0.05}\n"
        "monte_carlo: {draws: 50}\n", encoding="utf-8")
    return p


def test_shares_without_their_unit_are_a_located_error(tmp_path: Path) -> None:
    with pytest.raises(ScenarioErrors) as info:
        run_scenario(load_scenario(_file(tmp_path, "6.1")), source=_source())
    text = str(info.value)
    # 125.30 x 6.1 shares = HKD 764: the error sits on the shares value and hints at the unit
    assert f"{tmp_path / 'mt.yaml'}:6:" in text and "baseline.3690.HK.shares" in text
    assert "market cap of about HKD 764" in text and "(unit: bn?)" in text and "(got 6.1)" in text
    r = run_scenario(load_scenario(_file(tmp_path, "{value: 6.1, unit: bn}")), source=_source())
    assert r.symbols == ["3690.HK"]
    # an absurdly large count is refused too (HKD 764trn)
    with pytest.raises(ScenarioErrors, match="outside HKD 1bn..100trn"):
        run_scenario(load_scenario(_file(tmp_path, "{value: 6.1, unit: tn}")), source=_source())


def test_a_band_wider_than_minus_99_to_plus_1000_percent_is_a_warning() -> None:
    src = _source()
    base = {"name": "wide", "as_of": "2025-06-30", "horizon": "1Y", "universe": ["3690.HK"],
            "monte_carlo": {"draws": 2000, "seed": 1}}
    calm = dict(base, drivers=[{"type": "rerating", "label": "r",
                                "change": {"dist": "normal", "mean": 0.0, "sd": 0.1}}])
    assert not any("band" in w for w in run_scenario(scenario_from_dict(calm), source=src).warnings)
    wild = dict(base, drivers=[{"type": "rerating", "label": "r",
                                "change": {"dist": "uniform", "low": -0.999, "high": 30.0}}])
    r = run_scenario(scenario_from_dict(wild), source=src)
    q = np.quantile(r.predicted_return[:, 0], [0.05, 0.95])
    assert q[1] > 10.0
    assert any(w.startswith("3690.HK: the 5-95% band") and "wider than -99%..+1,000%" in w
               for w in r.warnings)


def test_walk_forward_windows_before_the_narrative_get_a_note() -> None:
    root = Path(__file__).resolve().parents[2]
    sc = load_scenario(root / "examples" / "us_ai_capex_2026.yaml")
    day, article = narrative_date(sc)
    from scenarios.seeds.articles import load_articles

    assert article in load_articles() and day == load_articles()[article].published
    note = narrative_note(sc, [pd.Timestamp("2024-03-31"), pd.Timestamp(day) + pd.Timedelta(days=40)])
    assert note is not None and note.startswith("1 of 2 window(s) (as_of 2024-03-31..2024-03-31) start before")
    assert narrative_note(sc, [pd.Timestamp(day) + pd.Timedelta(days=1)]) is None
    assert narrative_note(scenario_from_dict({"name": "x", "as_of": "2025-06-30", "horizon": "3M",
                                              "universe": ["3690.HK"], "drivers": []}),
                          [pd.Timestamp("2020-01-01")]) is None
