"""Acceptance of the pair example examples/long_smic_short_hstech_2025.yaml on the real snapshot:
it runs and backtests, its realised 2025 P&L equals SMIC's total return minus HSTECH's price
return over the same sessions (computed here with the csv module alone), and the output says so."""

from __future__ import annotations

import csv
import itertools
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "long_smic_short_hstech_2025.yaml"


def _csv_close(folder: Path, symbol: str, day: str) -> tuple[str, float]:
    """(date, close) of the last row on or before ``day``, read with the csv module only."""
    best: tuple[str, float] | None = None
    with open(folder / f"{symbol}.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["date"] <= day and row["close"]:
                best = (row["date"], float(row["close"]))
    assert best is not None
    return best


def _csv_log_returns(folder: Path, symbol: str, until: str, n: int) -> dict[str, float]:
    rows = []
    with open(folder / f"{symbol}.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["date"] <= until and row["close"] and float(row["close"]) > 0:
                rows.append((row["date"], float(row["close"])))
    out = {d1: math.log(c1 / c0) for (_, c0), (d1, c1) in itertools.pairwise(rows)}
    return dict(list(out.items())[-n:])


@pytest.fixture(scope="module")
def source(snapshot_dir: Path):
    from scenarios.data.csvdir import CsvDirSource

    return CsvDirSource(snapshot_dir)


@pytest.fixture(scope="module")
def scenario():
    from scenarios.model import load_scenario

    return load_scenario(EXAMPLE)


@pytest.fixture(scope="module")
def backtest(scenario, source):
    from scenarios.backtest.scenario import backtest_scenario
    from scenarios.results import from_backtest

    return from_backtest(backtest_scenario(scenario, source=source, draws=4000, index=False))


def test_realised_pnl_is_smic_total_return_minus_hstech_price_return(backtest, snapshot_dir: Path) -> None:
    d0s, c0s = _csv_close(snapshot_dir, "0981.HK", "2024-12-31")
    d1s, c1s = _csv_close(snapshot_dir, "0981.HK", "2025-12-31")
    d0h, c0h = _csv_close(snapshot_dir, "HSTECH.HK", "2024-12-31")
    d1h, c1h = _csv_close(snapshot_dir, "HSTECH.HK", "2025-12-31")
    assert (d0s, d1s) == (d0h, d1h) == ("2024-12-31", "2025-12-31")  # the same sessions
    expected = (c1s / c0s - 1.0) - (c1h / c0h - 1.0)
    p = backtest.pnl
    assert p is not None and p.scored and p.status == "complete"
    # weights 1:1: gross notional 2, so per leg = 2 x per gross
    assert p.gross_notional == 2.0
    assert abs(p.realized_before_costs * p.gross_notional - expected) < 1e-9
    # costs: 10 bps of the four trades (open both legs at 1, close at 1 + r)
    traded = 2.0 + (c1s / c0s) + (c1h / c0h)
    assert abs((p.realized_before_costs - p.realized) * 2.0 - 10e-4 * traded) < 1e-12
    legs = {leg.symbol: leg for leg in p.legs}
    assert legs["0981.HK"].kind == "total" and legs["HSTECH.HK"].kind == "price"
    assert legs["0981.HK"].start_date == legs["HSTECH.HK"].start_date == "2024-12-31"
    assert legs["0981.HK"].end_date == legs["HSTECH.HK"].end_date == "2025-12-31"
    assert "0981.HK total return" in p.return_basis and "HSTECH.HK price return" in p.return_basis
    assert p.lower < p.predicted < p.upper
    assert p.inside == (p.lower <= p.realized <= p.upper)


def test_pair_run_summary_and_benchmark_correlation(scenario, source, snapshot_dir: Path) -> None:
    from scenarios.engine import run_scenario
    from scenarios.results import RunResult

    res = run_scenario(scenario, source=source, draws=10_000, keep_draws=True)
    p = res.pnl
    info = p.benchmark_forecast["per_symbol"]["HSTECH.HK"]
    # the HSTECH leg is residual-only: its log return is the market noise, correlated with SMIC's
    # noise (the run's own residual contribution) like their last 250 daily log returns
    a = _csv_log_returns(snapshot_dir, "0981.HK", "2024-12-31", 250)
    b = _csv_log_returns(snapshot_dir, "HSTECH.HK", "2024-12-31", 250)
    common = sorted(set(a) & set(b))
    hist = float(np.corrcoef([a[d] for d in common], [b[d] for d in common])[0, 1])
    sim = float(np.corrcoef(res.contributions["residual"][:, 0], np.log1p(p.leg_returns[:, 1]))[0, 1])
    assert info["correlation_with"]["0981.HK"] == pytest.approx(hist, abs=0.02)
    assert sim == pytest.approx(hist, abs=0.03)
    vol = float(np.std(list(b.values()), ddof=1) * math.sqrt(252))
    assert info["vol"] == pytest.approx(vol, rel=1e-6)
    summary = RunResult.from_engine(res).pnl
    x = p.per_gross
    assert summary.median == pytest.approx(float(np.median(x)))
    assert summary.var_05 == pytest.approx(-float(np.quantile(x, 0.05)))
    assert summary.es_05 >= summary.var_05 > 0
    assert summary.prob_loss == pytest.approx(float((x < 0).mean()))
    assert "total return" in summary.return_basis and "price return" in summary.return_basis


def test_pnl_payloads_round_trip_and_old_payloads_still_read(backtest) -> None:
    from scenarios.results import from_json

    back = from_json(backtest.to_json())
    assert back.pnl == backtest.pnl
    old = json.loads(backtest.to_json())
    old.pop("pnl")
    old["result"].pop("pnl")
    assert from_json(json.dumps(old)).pnl is None


def test_cli_states_the_basis(snapshot_dir: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "SCENARIOS_HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-m", "scenarios", "backtest", str(EXAMPLE), "--draws", "500",
                          "--no-save"], capture_output=True, text=True, env=env, cwd=REPO, timeout=300,
                         check=False)
    assert out.returncode == 0, out.stderr
    text = " ".join(out.stdout.split())
    assert "long 0981.HK total return (adjusted closes), short HSTECH.HK price return (index level)" in text
    assert "realised" in text and "per unit of gross notional" in text


def test_run_cli_prints_the_distribution_and_the_basis(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "SCENARIOS_HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-m", "scenarios", "run", str(EXAMPLE), "--draws", "500",
                          "--no-record"], capture_output=True, text=True, env=env, cwd=REPO, timeout=300,
                         check=False)
    assert out.returncode == 0, out.stderr
    text = " ".join(out.stdout.split())
    assert "portfolio P&L in HKD, per unit of gross notional (gross 2)" in text
    assert "5% VaR" in text and "5% ES" in text and "P(loss)" in text
    assert ("long 0981.HK: total return (adjusted closes, dividends reinvested); short HSTECH.HK: "
            "price return (index level, dividends not included)") in text
    assert "mix total returns" in text
