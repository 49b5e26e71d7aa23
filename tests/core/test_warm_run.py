"""The fixed costs of a warm ``scenarios run`` (issue 13, item 3): what a run does NOT do.

A warm run (the store filled, the caches under ``$SCENARIOS_HOME`` written by an earlier run)
imports no module it does not use, parses its file once, reads the store once, does not parse
the claims file again, and validates its scenario with the schema of the driver kinds it uses.
Each of these is checked here, and the faster code paths are checked against the plain ones
they replaced (same numbers, same frames).
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]
ONE = REPO / "examples" / "tencent_feb_2026.yaml"
HSTECH = REPO / "examples" / "hstech_ai_reweight_2025.yaml"

#: modules a warm one-stock run has no use for
NOT_IMPORTED = (
    "scipy", "exchange_calendars", "yfinance", "matplotlib", "dask",
    "scenarios.results.backtest", "scenarios.results.sets", "scenarios.results.payload",
    "scenarios.sets.model", "scenarios.recon", "scenarios.backtest", "scenarios.report",
    "scenarios.cli.data", "scenarios.cli.runs", "scenarios.cli.report", "scenarios.cli.backtest",
    "valuation.index.implied", "valuation.hac", "valuation.cashflow",
    # driver kinds the file does not use: neither imported nor in its schema
    "scenarios.model.drivers.ai_capex", "scenarios.model.drivers.index_weighting",
    "scenarios.model.drivers.fx_change", "scenarios.model.drivers.margin_change",
)

_PROBE = r"""
import io, json, sys, contextlib
import pydantic._internal._model_construction as mc
built = []
_orig = mc.complete_model_class
def _logged(cls, *a, **k):
    built.append(cls.__qualname__ + ":" + ",".join(getattr(cls, "__driver_kinds__", ())))
    return _orig(cls, *a, **k)
mc.complete_model_class = _logged
from scenarios.cli.app import main
with contextlib.redirect_stdout(io.StringIO()):
    rc = main(sys.argv[1:])
print(json.dumps({"rc": rc, "modules": sorted(sys.modules), "built": built}), file=sys.stderr)
"""


def _probe(args: list[str], home: Path, prices: Path) -> dict:
    env = {**os.environ, "SCENARIOS_HOME": str(home), "SCENARIOS_PRICES": str(prices),
           "SCENARIOS_OFFLINE": "1", "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", _PROBE, *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    line = proc.stderr.strip().splitlines()[-1]
    return json.loads(line)


@pytest.mark.snapshot
@pytest.mark.slow
def test_a_warm_one_stock_run_imports_only_what_it_uses(snapshot_dir: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    args = ["run", str(ONE), "--no-record"]
    first = _probe(args, home, snapshot_dir)  # fills the store, the means and claim-id caches
    assert first["rc"] == 0
    assert (home / "claim-ids.json").is_file()
    warm = _probe(args, home, snapshot_dir)
    assert warm["rc"] == 0
    loaded = set(warm["modules"])
    found = sorted(m for m in loaded if any(m == x or m.startswith(x + ".") for x in NOT_IMPORTED))
    assert found == []
    # the scenario is validated by the schema of its five kinds, not the full union
    scenario_builds = [b for b in warm["built"] if b.startswith("Scenario:")]
    assert scenario_builds == ["Scenario:earnings_growth,subsidy,buyback,rerating,sentiment_shock"]


@pytest.mark.snapshot
def test_one_store_read_per_run(snapshot_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine reads the universe, benchmarks and the replica's members in one batch."""
    from scenarios.data import barstore
    from scenarios.data.resolver import build_source
    from scenarios.engine import run_scenario
    from scenarios.model import load_scenario

    build_source(prices=str(snapshot_dir)).prefetch(  # fill the store (CSV -> store) first
        [p.name[:-4] for p in snapshot_dir.glob("*.csv")])
    opened: list[int] = []
    real = barstore.connect

    def counted(*a, **k):  # type: ignore[no-untyped-def]
        opened.append(1)
        return real(*a, **k)

    monkeypatch.setattr(barstore, "connect", counted)
    source = build_source(prices=str(snapshot_dir))
    result = run_scenario(load_scenario(HSTECH), source=source, draws=200)
    assert len(result.symbols) > 20
    assert len(opened) == 1  # one connection: every series the run reads, in one read
    assert source.store is not None and source.store._con is None  # released after the read


def test_scenario_file_is_parsed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from scenarios import api, yamlio
    from scenarios.cli.run import _is_set

    calls: list[str] = []
    real = yamlio.parse_yaml

    def counted(text: str, file: str | Path = "<string>") -> yamlio.LocatedDoc:
        calls.append(str(file))
        return real(text, file)

    monkeypatch.setattr(yamlio, "parse_yaml", counted)
    path = tmp_path / "s.yaml"
    path.write_text(ONE.read_text(encoding="utf-8"), encoding="utf-8")
    assert not _is_set(path) and not api._is_set(path)  # the CLI and the API both look first
    scenario = api.load(path)
    assert calls == [str(path)] and scenario.name == "tencent-feb-2026"
    # a file that changed after the look is parsed again (the new bytes win)
    calls.clear()
    assert not api._is_set(path)
    path.write_text(ONE.read_text(encoding="utf-8").replace("tencent-feb-2026", "changed"), encoding="utf-8")
    assert api.load(path).name == "changed" and len(calls) == 2


def _claims_file(folder: Path, ids: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "claims.yaml"
    path.write_text("claims:\n" + "".join(f"  - {{id: {i}, text: x}}\n" for i in ids), encoding="utf-8")
    return path


def test_claim_ids_are_cached_by_content_and_a_stale_cache_is_rebuilt(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from scenarios.model import validation
    from scenarios.paths import home

    seeds = tmp_path / "seeds"
    monkeypatch.setenv("SCENARIOS_SEEDS", str(seeds))
    path = _claims_file(seeds, ["a-1", "b-2"])
    validation._CLAIM_IDS.clear()
    assert validation._claim_ids() == {"a-1", "b-2"}
    cache = home() / validation.CLAIM_IDS_CACHE
    stored = json.loads(cache.read_text(encoding="utf-8"))
    assert stored["ids"] == ["a-1", "b-2"]

    # a later process: the ids come from the cache, the claims file is not parsed
    validation._CLAIM_IDS.clear()
    with monkeypatch.context() as m:
        m.setattr(validation, "_parse_claim_ids", lambda raw: pytest.fail("parsed again"))
        assert validation._claim_ids() == {"a-1", "b-2"}

    # the file changes (same size, same mtime): the cache is stale and rebuilt
    st = path.stat()
    path.write_text(path.read_text(encoding="utf-8").replace("b-2", "c-3"), encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size
    validation._CLAIM_IDS.clear()
    assert validation._claim_ids() == {"a-1", "c-3"}
    assert json.loads(cache.read_text(encoding="utf-8"))["ids"] == ["a-1", "c-3"]

    # a damaged cache only costs a parse
    cache.write_text("{not json", encoding="utf-8")
    validation._CLAIM_IDS.clear()
    assert validation._claim_ids() == {"a-1", "c-3"}
    assert json.loads(cache.read_text(encoding="utf-8"))["ids"] == ["a-1", "c-3"]


def test_a_file_is_validated_by_the_schema_of_its_driver_kinds() -> None:
    from scenarios.errors import ScenarioErrors
    from scenarios.model import load_scenario, scenario_from_dict
    from scenarios.model.schema import Scenario, scenario_model

    s = load_scenario(HSTECH)
    assert isinstance(s, Scenario) and type(s) is not Scenario and type(s).__name__ == "Scenario"
    assert type(s).__driver_kinds__ == ("earnings_growth", "rerating", "index_weighting")  # type: ignore[attr-defined]
    full = Scenario.model_validate(s._raw)
    assert s.model_dump(mode="json") == full.model_dump(mode="json") and repr(s) == repr(full)
    back = pickle.loads(pickle.dumps(s))
    assert type(back) is type(s) and back.model_dump() == s.model_dump() and back.file == s.file
    assert scenario_model({"drivers": [{"type": "nope"}]}) is Scenario
    assert scenario_model({"drivers": []}) is Scenario

    # an invalid driver: the errors are those of the full union
    data = dict(s._raw)
    data["drivers"] = [dict(data["drivers"][0], growth="fast")]
    with pytest.raises(ScenarioErrors) as got:
        scenario_from_dict(data)
    from pydantic import ValidationError
    with pytest.raises(ValidationError) as want:
        Scenario.model_validate(data)
    assert [e.field for e in got.value.errors] == ["drivers[0].growth"]
    assert "drivers.0.earnings_growth.growth" in str(want.value)


def test_command_map_names_every_command_of_its_module() -> None:
    import importlib

    import typer

    from scenarios.cli.app import _COMMAND_MODULES, COMMANDS

    found: dict[str, str] = {}
    for module in _COMMAND_MODULES:
        app = typer.Typer()
        importlib.import_module(module).register(app)
        names = [c.name for c in app.registered_commands] + [g.name for g in app.registered_groups]
        found.update(dict.fromkeys(names, module))
    assert found == COMMANDS


def test_valuation_loads_its_modules_on_first_use() -> None:
    code = ("import sys, valuation, valuation.index as vi; "
            "assert 'valuation.volatility' not in sys.modules and 'valuation.index.implied' not in sys.modules; "
            "from valuation.index import turnover, cap_weights; import valuation.index.turnover as t; "
            "assert callable(turnover) and t is turnover and valuation.ValuationError.__name__ == 'ValuationError'; "
            "assert 'valuation.index.capping' in sys.modules; "
            "assert valuation.volatility.__name__ == 'valuation.volatility'")
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, env={**os.environ, "PYTHONPATH": str(REPO)})


def test_installed_version_matches_importlib_metadata() -> None:
    from importlib.metadata import version

    from scenarios.pkgmeta import installed_version

    for dist, package in (("numpy", None), ("pandas", None), ("PyYAML", "yaml"), ("pydantic", None)):
        assert installed_version(dist, package) == version(dist)
    assert installed_version("no-such-distribution-xyz") is None


# --------------------------------------------------------------- the fast paths vs the plain ones

def _price_close_plain(close: pd.Series, dividends: pd.Series) -> pd.Series:
    """The row-by-row walk :func:`scenarios.recon.panel.price_close` replaced."""
    adj = close.to_numpy(dtype="float64")
    div = np.nan_to_num(dividends.reindex(close.index).to_numpy(dtype="float64"), nan=0.0)
    raw = np.full_like(adj, np.nan)
    valid = np.flatnonzero(np.isfinite(adj))
    m, prev_t = 1.0, valid[-1]
    raw[prev_t] = adj[prev_t]
    for t in valid[::-1][1:]:
        d = div[t + 1: prev_t + 1].sum()
        if d > 0:
            p = adj[t] / m + d
            m = adj[t] / p
            raw[t] = p
        else:
            raw[t] = adj[t] / m
        prev_t = t
    return pd.Series(raw, index=close.index, name=close.name)


def test_price_close_equals_the_row_by_row_walk() -> None:
    from scenarios.recon.panel import price_close

    rng = np.random.default_rng(13)
    for _ in range(200):
        n = int(rng.integers(1, 80))
        idx = pd.date_range("2021-01-04", periods=n, freq="B")
        adj = pd.Series(np.where(rng.random(n) < 0.15, np.nan, rng.uniform(5, 500, n)), index=idx, name="x")
        if adj.isna().all():
            continue
        div = pd.Series(np.where(rng.random(n) < 0.1, rng.uniform(0.0, 4.0, n),
                                 np.where(rng.random(n) < 0.5, np.nan, 0.0)), index=idx)
        got, want = price_close(adj, div), _price_close_plain(adj, div)
        assert np.array_equal(got.to_numpy(), want.to_numpy(), equal_nan=True)  # bit for bit


def test_odd_sessions_equal_the_aligned_table_count() -> None:
    from scenarios.recon.panel import odd_sessions

    rng = np.random.default_rng(5)
    days = pd.bdate_range("2024-01-01", periods=60)
    frames = {}
    for i in range(12):
        idx = days[int(rng.integers(0, 10)):int(rng.integers(40, 60))]
        c = rng.choice([10.0, 11.0], len(idx))
        flat = rng.random(len(idx)) < 0.3
        frames[f"{i}.HK"] = pd.DataFrame({"open": np.where(flat, c, c + 1), "high": np.where(flat, c, c + 2),
                                          "low": c, "close": c, "volume": np.where(flat, 0.0, 5.0)}, index=idx)
    table = pd.DataFrame({s: (f["volume"] == 0) & (f["open"] == f["high"]) & (f["high"] == f["low"])
                          & (f["low"] == f["close"]) for s, f in frames.items()})
    counts, stale = table.notna().sum(axis=1), table.fillna(False).astype(bool).sum(axis=1)
    for threshold in (0.2, 0.5):
        want = counts.index[((counts >= 5) & (stale > threshold * counts)).to_numpy()]
        got = odd_sessions(frames, threshold)
        assert list(got) == list(want) and len(got) > 0 and got.name == "date"


def test_spike_dates_leave_bad_rows_out_as_before() -> None:
    from scenarios.data.screen import bad_close_dates, spike_dates

    idx = pd.date_range("2025-01-01", periods=9)
    for values in ([10, 10, 60, 10, 10, 1, 10, 10, 10], [10, np.nan, 10, 70, 10, -1, 10, 0.5, 10]):
        closes = pd.Series(np.array(values, dtype="float64"), index=idx)
        plain = closes[~closes.index.isin(bad_close_dates(closes))]
        v = plain.to_numpy()
        up = v[1:-1] > 5 * np.maximum(v[:-2], v[2:])
        down = v[1:-1] * 5 < np.minimum(v[:-2], v[2:])
        assert list(spike_dates(closes)) == list(plain.index[1:-1][up | down])
        assert len(spike_dates(closes)) > 0


def test_read_many_puts_appended_rows_in_date_order(tmp_path: Path) -> None:
    from scenarios.data.barstore import BarStore

    def bars(dates: list[str], close: float) -> pd.DataFrame:
        idx = pd.DatetimeIndex(pd.to_datetime(dates), name="date")
        return pd.DataFrame({"open": close, "high": close, "low": close, "close": close, "volume": 1.0,
                             "dividends": np.nan, "splits": np.nan}, index=idx)

    store = BarStore(tmp_path / "s.duckdb")
    store.write("0700.HK", bars(["2025-01-06", "2025-01-07"], 1.0), "csv")
    store.write("^HSI", bars(["2025-01-06"], 2.0), "csv")
    store.write("0700.HK", bars(["2025-01-02", "2025-01-03"], 3.0), "csv")  # earlier days, appended last
    many = store.read_many(["0700.HK", "^HSI", "9999.HK"], splits=True)
    assert sorted(many) == ["0700.HK", "^HSI"]
    for sym in many:
        pd.testing.assert_frame_equal(many[sym], store.read(sym, splits=True), check_exact=True)
    assert list(many["0700.HK"]["close"]) == [3.0, 3.0, 1.0, 1.0]
    meta = store.series_meta(["0700.HK", "9999.HK"])
    assert meta["9999.HK"] == ([], None, None) and meta["0700.HK"][1] == "csv"
    until = store.read_many(["0700.HK"], end="2025-01-03")["0700.HK"]
    assert list(until.index.strftime("%Y-%m-%d")) == ["2025-01-02", "2025-01-03"]


def test_the_console_entry_freezes_long_lived_objects_but_main_does_not() -> None:
    import gc

    from scenarios.cli.app import main

    before = gc.get_freeze_count()
    assert main(["--version"]) == 0
    assert gc.get_freeze_count() == before  # tests and notebooks call main: nothing frozen
    code = ("import gc, sys; from scenarios.cli.app import main_process; rc = main_process(['--version']); "
            "print(rc, gc.get_freeze_count() > 10000)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(REPO)}).stdout.split()
    assert out[-2:] == ["0", "True"]
    main_py = (REPO / "scenarios" / "__main__.py").read_text(encoding="utf-8")
    assert "main_process()" in main_py


def test_a_bounded_parameter_still_refuses_a_boolean() -> None:
    """The bounded parameters name ``Param`` through a type alias (one schema per model); the
    boolean check sees through it."""
    from scenarios.model.nobool import wants_number_not_bool
    from scenarios.model.params import Fraction, NamedParam

    assert wants_number_not_bool(NamedParam) and wants_number_not_bool(Fraction)
    assert wants_number_not_bool(Fraction | None)
