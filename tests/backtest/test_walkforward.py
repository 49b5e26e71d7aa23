"""Walk-forward machinery against fake forecasters (no engine needed)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from backtest_fakes import SYMS, OracleForecaster, ShiftedAfter, ViewForecaster, csv_close_on_or_before

from scenarios.backtest.scoring import score_forecast
from scenarios.backtest.walkforward import horizon_steps, roll_dates, walk_forward
from scenarios.errors import LookAheadError

DATES = ["2024-06-30", "2024-09-30", "2024-12-31", "2025-03-31", "2025-06-30"]


def test_roll_dates_and_steps() -> None:
    q = roll_dates("2021-01-01", "2021-12-31", "quarterly")
    assert [d.date().isoformat() for d in q] == ["2021-03-31", "2021-06-30", "2021-09-30", "2021-12-31"]
    m = roll_dates("2024-01-15", "2024-04-30", "monthly")
    assert [d.date().isoformat() for d in m] == ["2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30"]
    assert horizon_steps("2025-03-31", "2025-06-30", "quarterly") == 1
    assert horizon_steps("2025-03-31", "2025-09-30", "quarterly") == 2
    assert horizon_steps("2025-03-31", "2025-06-30", "monthly") == 3
    assert horizon_steps("2025-03-31", "2025-04-10", "monthly") == 1
    with pytest.raises(ValueError):
        roll_dates("2021-01-01", "2021-12-31", "weekly")  # type: ignore[arg-type]


@pytest.mark.snapshot
def test_oracle_is_perfect_and_anti_oracle_is_wrong(snapshot_dir: Path, csv_source) -> None:
    good = walk_forward(OracleForecaster(snapshot_dir), DATES, csv_source, progress=False)
    t = good.track
    assert t["n_windows"] == 5 and t["n_scored_windows"] == 5 and t["n_pairs"] == 25
    assert t["hit_rate"] == 1.0 and t["mean_ic"] == pytest.approx(1.0)
    assert t["mae"] == pytest.approx(0.0, abs=1e-12) and t["coverage"] == 1.0
    assert t["return_kind"] == "total return"
    # realized returns in the pairs equal an independent reading of the files
    row = good.pairs.loc[(good.pairs["as_of"] == "2024-12-31") & (good.pairs["symbol"] == "0700.HK")].iloc[0]
    exp = (csv_close_on_or_before(snapshot_dir, "0700.HK", pd.Timestamp("2025-03-31"))
           / csv_close_on_or_before(snapshot_dir, "0700.HK", pd.Timestamp("2024-12-31")) - 1)
    assert row["realized"] == pytest.approx(exp, rel=1e-12)
    # a perfect forecast beats the zero forecast in DM (lower loss)
    dm = t["dm"]["vs_zero_squared"]
    assert dm["mean_diff"] < 0 and dm["better"] == "scenario" and dm["h"] == 1
    # the zero-forecast MAE is the mean |realized|
    p = good.pairs
    assert t["mae_zero"] == pytest.approx(float(np.mean(np.abs(p["realized"]))))

    bad = walk_forward(OracleForecaster(snapshot_dir, sign=-1.0), DATES, csv_source, progress=False)
    assert bad.track["hit_rate"] == 0.0 and bad.track["mean_ic"] == pytest.approx(-1.0)
    assert bad.track["pt_statistic"] < 0


@pytest.mark.snapshot
def test_momentum_naive_matches_independent_trailing_return(snapshot_dir: Path, csv_source) -> None:
    wf = walk_forward(OracleForecaster(snapshot_dir), ["2025-03-31"], csv_source, progress=False)
    row = wf.pairs.loc[wf.pairs["symbol"] == "9988.HK"].iloc[0]
    a, h = pd.Timestamp("2025-03-31"), pd.Timestamp("2025-06-30")
    start = a - pd.Timedelta(days=(h - a).days)
    exp = (csv_close_on_or_before(snapshot_dir, "9988.HK", a)
           / csv_close_on_or_before(snapshot_dir, "9988.HK", start) - 1)
    assert row["momentum"] == pytest.approx(exp, rel=1e-12)


@pytest.mark.snapshot
def test_lookahead_read_fails(csv_source) -> None:
    with pytest.raises(LookAheadError):
        walk_forward(ViewForecaster(csv_source, peek_days=5), DATES[:2], csv_source, progress=False)


@pytest.mark.snapshot
def test_prices_after_as_of_do_not_change_predictions(csv_source) -> None:
    for as_of in DATES[:3]:
        a = ViewForecaster(csv_source)(pd.Timestamp(as_of))
        b = ViewForecaster(ShiftedAfter(csv_source, as_of, 2.0))(pd.Timestamp(as_of))
        np.testing.assert_array_equal(a.ensemble, b.ensemble)


@pytest.mark.snapshot
def test_horizon_beyond_data_is_not_scoreable(snapshot_dir: Path, csv_source) -> None:
    # HSTECH ends 2025-12-31; the 0005.HK file ends 2025-10-30
    from scenarios.backtest.forecast import Forecast

    f = Forecast(as_of="2025-09-30", horizon="2025-12-31", symbols=["0005.HK", "0700.HK"],
                 ensemble=np.array([[0.01, 0.02], [0.03, 0.04]]))
    sc = score_forecast(f, csv_source)
    assert sc.summary["n_scored"] == 1 and sc.summary["status"] == "partial"
    assert any("partial window" in n for n in sc.notes)
    assert not sc.table.set_index("symbol").loc["0005.HK", "scored"]
    sc2 = score_forecast(f, csv_source, partial="include")
    assert sc2.summary["n_scored"] == 2

    f3 = Forecast(as_of="2026-06-30", horizon="2026-12-31", symbols=["0700.HK"], ensemble=[[0.1]])
    sc3 = score_forecast(f3, csv_source)
    assert sc3.summary["status"] == "not scoreable" and math.isnan(sc3.summary["hit_rate"])
    assert any("not scoreable" in n for n in sc3.notes)


@pytest.mark.snapshot
def test_windows_beyond_data_reported_in_walk(snapshot_dir: Path, csv_source) -> None:
    class Late(OracleForecaster):
        def __call__(self, as_of):
            if as_of > pd.Timestamp("2026-03-31"):
                from scenarios.backtest.forecast import Forecast
                return Forecast(as_of=as_of, horizon=as_of + pd.offsets.QuarterEnd(1),
                                symbols=self.symbols, ensemble=np.zeros((3, len(self.symbols))))
            return super().__call__(as_of)

    wf = walk_forward(Late(snapshot_dir), ["2025-12-31", "2026-06-30"], csv_source, progress=False)
    assert list(wf.windows["status"]) == ["complete", "not scoreable"]
    assert wf.track["n_scored_windows"] == 1 and wf.track["status"] == "partial"


@pytest.mark.snapshot
def test_failed_windows_are_recorded_and_all_failing_raises(snapshot_dir: Path, csv_source) -> None:
    from scenarios.errors import DataUnavailableError, ScenarioError

    class NotListedYet(OracleForecaster):
        def __call__(self, as_of):
            if as_of < pd.Timestamp("2025-01-01"):
                raise ScenarioError("no close for 9999.HK on or before " + str(as_of.date()), field="universe")
            return super().__call__(as_of)

    wf = walk_forward(NotListedYet(snapshot_dir), DATES, csv_source, progress=False)
    assert list(wf.windows["status"]) == ["failed"] * 3 + ["complete"] * 2
    assert "9999.HK" in wf.windows["error"].iloc[0]
    assert wf.track["n_windows"] == 5 and wf.track["n_scored_windows"] == 2
    assert any("could not be forecast" in n for n in wf.notes)

    def never(as_of):
        raise DataUnavailableError(f"nothing at {as_of.date()}")

    with pytest.raises(DataUnavailableError, match="nothing at 2024-06-30"):
        walk_forward(never, DATES, csv_source, progress=False)


@pytest.mark.snapshot
def test_naive_forecasters_agree_with_the_naive_columns(snapshot_dir: Path, csv_source) -> None:
    from backtest_fakes import quarter_later

    from scenarios.backtest.forecast import momentum_forecaster, zero_forecaster

    base = walk_forward(OracleForecaster(snapshot_dir), DATES, csv_source, progress=False)
    mom = walk_forward(momentum_forecaster(SYMS, csv_source, quarter_later), DATES, csv_source, progress=False)
    zero = walk_forward(zero_forecaster(SYMS, quarter_later), DATES, csv_source, progress=False)
    # the momentum model walked on its own scores exactly like the momentum column of the oracle walk
    np.testing.assert_allclose(mom.windows["mae"], base.windows["mae_momentum"], rtol=1e-12)
    np.testing.assert_allclose(zero.windows["mae"], base.windows["mae_zero"], rtol=1e-12)
    # a zero forecast has no direction: no hit rate
    assert math.isnan(zero.track["hit_rate"])


@pytest.mark.snapshot
def test_index_forecast_scored_on_the_covered_weight(snapshot_dir: Path, csv_source) -> None:
    from scenarios.backtest.forecast import Forecast

    syms = ["0700.HK", "0005.HK", "9988.HK"]  # 0005.HK's file ends 2025-10-30
    a, h = pd.Timestamp("2025-06-30"), pd.Timestamp("2025-12-31")
    real = {s: csv_close_on_or_before(snapshot_dir, s, h) / csv_close_on_or_before(snapshot_dir, s, a) - 1
            for s in ("0700.HK", "9988.HK")}
    ens = np.full((4, 3), 0.05)

    def score(w):
        f = Forecast(as_of=a, horizon=h, symbols=syms, ensemble=ens, index_return=np.full(4, 0.05),
                     index_weights=np.array(w), index_benchmark="HSTECH.HK")
        return score_forecast(f, csv_source).index

    ok = score([0.475, 0.05, 0.475])
    assert ok["scored"] and ok["weight_covered"] == pytest.approx(0.95)
    assert ok["realized"] == pytest.approx((real["0700.HK"] + real["9988.HK"]) / 2, rel=1e-12)
    assert "0005.HK" in ok["note"] and ok["kind"] == "total"
    assert ok["benchmark_kind"] == "price"
    low = score([0.4, 0.2, 0.4])
    assert not low["scored"] and "not scoreable" in low["note"] and math.isnan(low["realized"])


@pytest.mark.snapshot
def test_baseline_mismatch_is_reported(csv_source) -> None:
    from scenarios.backtest.forecast import Forecast

    f = Forecast(as_of="2025-06-30", horizon="2025-09-30", symbols=["0700.HK", "9988.HK"],
                 ensemble=np.zeros((2, 2)) + 0.01, baseline_dates=["2025-06-30", "2025-06-27"])
    notes = score_forecast(f, csv_source).notes
    assert any("9988.HK (2025-06-30 vs 2025-06-27)" in n for n in notes)
    f.baseline_dates = [pd.Timestamp("2025-06-30")] * 2
    assert not any("baseline" in n for n in score_forecast(f, csv_source).notes)
