"""scenarios.parallel: the serial/Dask seam, the price panels workers get, and bit-identity of
parallel grids, walk-forwards, two-way tables and scheme sweeps with the serial runs."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios.errors import DataUnavailableError, ScenarioError
from scenarios.parallel import (
    INSTALL_HINT,
    Panel,
    PanelMiss,
    PanelSource,
    build_panel,
    check_parallel,
    imap_tasks,
    map_tasks,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


class FrameSource:
    """A PriceSource over in-memory canonical frames (counts its reads)."""

    name = "frames"

    def __init__(self, frames: dict[str, pd.DataFrame]) -> None:
        self.frames = frames
        self.reads = 0

    def get(self, symbol, start=None, end=None):
        from scenarios.data.csvdir import slice_frame

        self.reads += 1
        if symbol not in self.frames:
            raise DataUnavailableError(f"no {symbol}")
        return slice_frame(self.frames[symbol], start, end)

    def symbols(self):
        return sorted(self.frames)


def _frame(n: int = 40, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range("2024-01-01", periods=n)
    close = 100 * np.cumprod(1 + rng.normal(0, 0.01, n))
    return pd.DataFrame({"open": close, "high": close, "low": close, "close": close,
                         "volume": np.full(n, 1000.0)}, index=pd.DatetimeIndex(idx, name="date"))


# ------------------------------------------------------------------------------ panels

@settings(max_examples=40, deadline=None)
@given(st.integers(0, 45), st.integers(0, 45), st.booleans(), st.booleans())
def test_panel_slices_are_what_the_source_returns(a: int, b: int, open_lo: bool, open_hi: bool) -> None:
    src = FrameSource({"0700.HK": _frame()})
    panel = build_panel(src, ["0700.HK"])
    days = pd.bdate_range("2023-12-25", periods=60)
    lo = None if open_lo else days[min(a, b)]
    hi = None if open_hi else days[max(a, b)]
    got = PanelSource(panel).get("0700.HK", lo, hi)
    pd.testing.assert_frame_equal(got, src.get("0700.HK", lo, hi))


def test_panel_miss_is_noted_and_unknown_symbols_fail_as_on_the_client() -> None:
    src = FrameSource({"0700.HK": _frame()})
    panel = build_panel(src, ["0700.HK", "9999.HK"])
    ps = PanelSource(panel)
    with pytest.raises(DataUnavailableError, match="no 9999.HK"):
        ps.get("9999.HK")
    assert not ps.misses
    with pytest.raises(PanelMiss):
        ps.get("9988.HK")
    ps.prefetch(["3690.HK", "0700.HK"])
    assert ps.misses == {"9988.HK", "3690.HK"}
    assert ps.symbols() == ["0700.HK"] and ps.name == "frames"
    grown = build_panel(src, ["9988.HK"], base=panel)
    assert "9988.HK" in grown and "9988.HK" not in panel  # the base is not changed


def test_serial_map_is_the_plain_loop() -> None:
    src = FrameSource({})
    seen = []

    def fn(source, task):
        seen.append(source)
        return task * 2

    assert map_tasks(fn, [1, 2, 3], source=src) == [2, 4, 6]
    assert map_tasks(fn, [4], source=src, workers=1) == [8]
    assert all(s is src for s in seen)


def test_worker_options_are_checked() -> None:
    with pytest.raises(ScenarioError, match="--workers must be >= 1"):
        check_parallel(0, None)
    with pytest.raises(ScenarioError, match="not both"):
        check_parallel(2, "tcp://127.0.0.1:8786")
    with pytest.raises(ScenarioError, match="scheduler address"):
        check_parallel(None, "nonsense")
    check_parallel(None, None)
    check_parallel(1, None)


def test_without_dask_workers_say_how_to_install(monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from scenarios.cli.app import main

    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    with pytest.raises(ScenarioError) as exc:
        check_parallel(2, None)
    assert INSTALL_HINT in str(exc.value) and exc.value.exit_code == 2
    code = main(["run", str(EXAMPLES / "tencent_feb_2026.yaml"), "--workers", "2", "--no-record"])
    err = capsys.readouterr().err
    assert code == 2
    assert 'pip install "narrative-scenarios[scale]"' in " ".join(err.split())
    assert "Traceback" not in err


def test_project_errors_survive_pickling() -> None:
    import pickle

    from scenarios.errors import ScenarioErrors

    e = ScenarioErrors([ScenarioError("bad", file="a.yaml", line=3, field="x"), ScenarioError("worse")])
    back = pickle.loads(pickle.dumps(e))
    assert type(back) is ScenarioErrors and str(back) == str(e) and back.errors[0].line == 3


# ------------------------------------------------------------------------------ on a real cluster

class GuardedSource:
    """The client's source: usable in the process that made it only (a worker touching it,
    e.g. because a task closed over it, fails the test)."""

    def __init__(self, inner) -> None:
        self.inner, self.pid = inner, os.getpid()
        self.name = inner.name

    def _check(self) -> None:
        if os.getpid() != self.pid:
            raise RuntimeError("a worker read the client's price source")

    def get(self, symbol, start=None, end=None):
        self._check()
        return self.inner.get(symbol, start, end)

    def symbols(self):
        self._check()
        return self.inner.symbols()

    def file_of(self, symbol):
        self._check()
        return self.inner.file_of(symbol)


#: what a remote worker has of the client's data: nothing (a missing price and fundamentals folder)
NOWHERE = "/nonexistent/scenarios-worker"


def _tripwire(roots: list[str]) -> None:
    """On a worker: note every file or folder opened under ``roots`` (the client's data folders)."""
    if hasattr(sys, "_scenarios_opened"):
        return
    opened: list[str] = []
    sys._scenarios_opened = opened  # type: ignore[attr-defined]

    def hook(event: str, args: tuple) -> None:
        if event not in ("open", "os.listdir", "os.scandir") or not args:
            return
        try:
            path = os.fsdecode(args[0])
        except TypeError:  # a file descriptor
            return
        if any(path.startswith(r) for r in roots):
            opened.append(f"{event} {path}")
    sys.addaudithook(hook)


def _opened() -> list[str]:
    return list(getattr(sys, "_scenarios_opened", ["no tripwire"]))


class Cluster:
    def __init__(self, address: str, home: Path, client) -> None:
        self.address, self.home, self.client = address, home, client

    def opened_nothing(self) -> None:
        """No worker opened the client's data (prices, fundamentals, reference) or any store."""
        seen = self.client.run(_opened)
        assert seen and all(v == [] for v in seen.values()), seen
        made = [p.relative_to(self.home / "h").parts[0] for p in (self.home / "h").rglob("*") if p.is_file()]
        assert set(made) <= {"calendars", "means"}, made  # caches, never a store


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory):
    """Two single-threaded worker processes with none of the client's data: the price and
    fundamentals folders they are given do not exist, their home is empty, their reporting-lag
    rule is the default, and a tripwire notes any file they open under the client's data folders."""
    distributed = pytest.importorskip("distributed")
    import logging

    import cloudpickle

    # this module's task functions travel by value (the workers cannot import a test module)
    cloudpickle.register_pickle_by_value(sys.modules[__name__])

    home = tmp_path_factory.mktemp("worker_home")
    cl = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=logging.CRITICAL,
                                  env={"SCENARIOS_PRICES": f"{NOWHERE}/prices",
                                       "SCENARIOS_FUNDAMENTALS": f"{NOWHERE}/fundamentals",
                                       "SCENARIOS_HOME": str(home / "h"), "SCENARIOS_OFFLINE": "1",
                                       "SCENARIOS_REPORTING_LAGS": ""})
    client = distributed.Client(cl, set_as_default=False)
    prices = os.environ.get("SCENARIOS_PRICES")
    data = Path(prices).resolve().parent if prices else ROOT / "no-data"
    client.run(_tripwire, sorted({str(data), os.path.realpath(data)}))
    yield Cluster(cl.scheduler_address, home, client)
    client.close()
    cl.close()


def _source(snapshot_dir: Path) -> GuardedSource:
    from scenarios.data import CsvDirSource

    return GuardedSource(CsvDirSource(snapshot_dir))


@pytest.mark.snapshot
@pytest.mark.slow
def test_grid_walk_forward_on_dask_is_the_serial_run(snapshot_dir: Path, cluster) -> None:
    from scenarios import api

    address = cluster.address
    src = _source(snapshot_dir)
    args = dict(roll="quarterly", start="2022-01-01", end="2024-12-31", draws=300, source=src)
    f = EXAMPLES / "deepseek_rally_feb_2025.yaml"  # 3 grid points, 12 windows each
    serial = [r.to_json() for r in api.iter_backtest(f, **args)]
    remote = [r.to_json() for r in api.iter_backtest(f, scheduler=address, **args)]
    assert len(serial) == 3 and remote == serial
    assert json.loads(serial[0])["track"]["n_windows"] == 12
    # one scenario: its windows are the tasks
    one = EXAMPLES / "deepseek_rally_feb_2025_dec.yaml"
    assert ([r.to_json() for r in api.iter_backtest(one, scheduler=address, **args)]
            == [r.to_json() for r in api.iter_backtest(one, **args)])
    cluster.opened_nothing()


@pytest.mark.snapshot
@pytest.mark.slow
def test_scheme_sweep_and_two_way_on_dask_are_the_serial_ones(snapshot_dir: Path, cluster) -> None:
    from scenarios.backtest.sweep import random_tilts, scenario_sweep_spec, sweep_schemes
    from scenarios.model import load_scenario
    from scenarios.model.resolved import resolve_scenario
    from scenarios.sensitivity import two_way

    address = cluster.address
    src = _source(snapshot_dir)
    spec = scenario_sweep_spec(load_scenario(EXAMPLES / "hstech_ai_reweight_2025.yaml"))
    schemes = random_tilts(spec.base, 60, 7)
    kw = dict(index_symbol=spec.index_symbol, universe=spec.universe, chunk_size=20)
    serial = sweep_schemes(schemes, src, spec.start, spec.end, **kw)
    remote = sweep_schemes(schemes, src, spec.start, spec.end, scheduler=address, **kw)
    assert list(remote.table.index) == [s.name for s in schemes]
    assert remote.table.to_json(double_precision=15) == serial.table.to_json(double_precision=15)
    assert np.array_equal(remote.table.to_numpy(), serial.table.to_numpy())  # bit for bit
    assert (remote.start, remote.end, remote.notes) == (serial.start, serial.end, serial.notes)
    # one batch vs chunks: the same schemes to rounding (BLAS blocking, see sweep_schemes)
    whole = sweep_schemes(schemes, src, spec.start, spec.end, index_symbol=spec.index_symbol,
                          universe=spec.universe)
    np.testing.assert_allclose(whole.table.to_numpy(), serial.table.to_numpy(), rtol=1e-12, atol=1e-15)

    rs = resolve_scenario(load_scenario(EXAMPLES / "tencent_feb_2026.yaml"), source=src, draws=500)
    a = two_way(rs, "drivers[growth].growth", "drivers[ai-gap].change", levels=3)
    b = two_way(rs, "drivers[growth].growth", "drivers[ai-gap].change", levels=3, scheduler=address)
    assert json.dumps(b.to_dict()) == json.dumps(a.to_dict())
    cluster.opened_nothing()


@pytest.mark.snapshot
@pytest.mark.slow
def test_set_components_on_dask_are_the_serial_run(snapshot_dir: Path, cluster) -> None:
    from scenarios.sets import load_set
    from scenarios.sets.run import run_set

    address = cluster.address
    src = _source(snapshot_dir)
    sset = load_set(EXAMPLES / "tencent_2026_set.yaml")
    a = run_set(sset, source=src, draws=600)
    b = run_set(sset, source=src, draws=600, scheduler=address)
    assert b.result.to_json() == a.result.to_json()
    assert np.array_equal(b.result.draws_data["returns"], a.result.draws_data["returns"])
    cluster.opened_nothing()


@pytest.mark.snapshot
@pytest.mark.slow
def test_from_data_walk_forward_on_dask_is_the_serial_run(snapshot_dir: Path, cluster,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Fundamentals, dated series and the client's reporting-lag rule reach workers that have none."""
    from scenarios import api

    monkeypatch.setenv("SCENARIOS_FUNDAMENTALS", str(snapshot_dir.parent / "fundamentals"))
    src = _source(snapshot_dir)
    f = EXAMPLES / "us_capex_walkforward_2023_2025.yaml"  # eps, shares from_data; tax_rate dated
    args = dict(roll="quarterly", start="2023-09-30", end="2024-06-30", draws=200, source=src)

    def walk(**kw) -> list[str]:
        return [r.to_json() for r in api.iter_backtest(f, **args, **kw)]

    default = walk()
    monkeypatch.setenv("SCENARIOS_REPORTING_LAGS", "US.FY=120D,US.Q=75D")  # the client's, not the workers'
    serial = walk()
    assert serial != default  # the rule matters to these windows ...
    assert walk(scheduler=cluster.address) == serial  # ... and the workers used the client's
    track = json.loads(serial[0])["track"]
    assert track["n_windows"] == track["n_scored_windows"] == 4  # every window resolved its data
    cluster.opened_nothing()


@pytest.mark.snapshot
@pytest.mark.slow
def test_forward_estimates_on_dask_are_the_serial_ones(snapshot_dir: Path, cluster, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import yaml

    from scenarios import api

    monkeypatch.setenv("SCENARIOS_FUNDAMENTALS", str(snapshot_dir.parent / "fundamentals"))
    path = tmp_path / "fwd.yaml"
    base = {"eps": "forward_from_data", "shares": "from_data", "tax_rate": 0.15}
    path.write_text(yaml.safe_dump({  # a capex step-up: its drag per share depends on EPS and shares
        "name": "fwd", "as_of": "2025-10-31", "horizon": "1M", "universe": ["AMZN", "MSFT", "NVDA"],
        "currency": "USD", "baseline": {s: base for s in ("AMZN", "MSFT", "NVDA")},
        "drivers": [{"type": "ai_capex", "label": "capex", "unit": "bn", "currency": "USD",
                     "amount": {"dist": "triangular", "low": 10, "mode": 20, "high": 30},
                     "useful_life_years": {"dist": "uniform", "low": 4, "high": 6}}],
        "grid": {"drivers[capex].useful_life_years.low": [3, 4]}, "monte_carlo": {"draws": 200, "seed": 5}}))
    src = _source(snapshot_dir)
    args = dict(roll="monthly", start="2025-10-31", end="2026-01-31", source=src)
    serial = [r.to_json() for r in api.iter_backtest(path, **args)]  # consensus EPS known at each as_of
    assert [json.loads(r)["track"]["n_scored_windows"] for r in serial] == [4, 4]
    assert [r.to_json() for r in api.iter_backtest(path, scheduler=cluster.address, **args)] == serial
    cluster.opened_nothing()


@pytest.mark.snapshot
@pytest.mark.slow
def test_cli_from_data_walk_forward_with_workers(snapshot_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The reported bug: with --workers 2 the workers looked for fundamentals in the client's store
    (busy: the client holds it) and the walk failed; they now get them from the client."""
    from scenarios.cli.app import main

    cmd = ["backtest", str(EXAMPLES / "us_capex_walkforward_2023_2025.yaml"), "--roll", "quarterly",
           "--from", "2023-09-30", "--to", "2024-03-31", "--draws", "200", "--format", "json", "--no-record"]
    assert main(cmd) == 0
    serial = capsys.readouterr().out
    assert main([*cmd, "--workers", "2"]) == 0
    assert capsys.readouterr().out == serial
    assert json.loads(serial)["track"]["n_scored_windows"] == 3


def _read(path: str) -> int:
    return len(Path(path).read_bytes())


def _clear_tripwire() -> None:
    sys._scenarios_opened.clear()  # type: ignore[attr-defined]


@pytest.mark.snapshot
def test_the_tripwire_sees_a_worker_reading_the_data(snapshot_dir: Path, cluster) -> None:
    """opened_nothing() can fail: a worker that reads a price file is caught."""
    csv = str(sorted(snapshot_dir.glob("*.csv"))[0])
    one = sorted(cluster.client.scheduler_info()["workers"])[0]
    try:
        assert cluster.client.run(_read, csv, workers=[one])[one] > 0
        with pytest.raises(AssertionError, match="open"):
            cluster.opened_nothing()
    finally:
        cluster.client.run(_clear_tripwire)
    cluster.opened_nothing()


def _spoof_fingerprint() -> None:
    import scenarios.parallel as p

    p._FINGERPRINT = {**p.fingerprint(), "numpy": "0.0.0"}


def _forget_fingerprint() -> None:
    import scenarios.parallel as p

    p._FINGERPRINT = None


def test_a_worker_of_another_build_is_refused(cluster, capsys: pytest.CaptureFixture[str]) -> None:
    from scenarios.cli.app import main
    from scenarios.parallel import ClusterError, check_cluster, fingerprint

    workers = check_cluster(cluster.client)
    assert len(workers) == 2 and all(fp == fingerprint() for fp in workers.values())
    assert set(fingerprint()) == {"narrative-scenarios", "sources", "seeds", "numpy", "scipy", "pandas"}
    one = sorted(workers)[1]
    cluster.client.run(_spoof_fingerprint, workers=[one])
    try:
        src = FrameSource({"A.HK": _frame()})
        with pytest.raises(ClusterError) as exc:
            map_tasks(_last_close, ["A.HK"], source=src, scheduler=cluster.address)
        msg = str(exc.value)
        assert one in msg and f"numpy {fingerprint()['numpy']} here, 0.0.0 there" in msg
        assert "sources" not in msg and src.reads == 0  # refused before any data was read
        code = main(["run", str(EXAMPLES / "tencent_feb_2026.yaml"), "--scheduler", cluster.address,
                     "--no-record"])
        err = " ".join(capsys.readouterr().err.split())
        assert code == ClusterError.exit_code == 1
        assert "another build of narrative-scenarios" in err and "Traceback" not in err
    finally:
        cluster.client.run(_forget_fingerprint, workers=[one])
    assert check_cluster(cluster.client) == workers


def test_the_build_covers_the_seed_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker whose seed files (universes, claims) differ is another build: its scenarios
    would resolve otherwise."""
    import shutil

    import scenarios.parallel as p
    from scenarios.seeds.base import seeds_dir

    mine = p.fingerprint()
    copy = tmp_path / "seeds"
    shutil.copytree(seeds_dir(), copy)
    monkeypatch.setenv("SCENARIOS_SEEDS", str(copy))
    monkeypatch.setattr(p, "_FINGERPRINT", None)
    assert p.fingerprint() == mine  # the same files elsewhere: the same build
    claims = copy / "claims.yaml"
    claims.write_text(claims.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    monkeypatch.setattr(p, "_FINGERPRINT", None)
    theirs = p.fingerprint()
    assert theirs["seeds"] != mine["seeds"] and {k: v for k, v in theirs.items() if k != "seeds"} == {
        k: v for k, v in mine.items() if k != "seeds"}
    monkeypatch.setattr(p, "_FINGERPRINT", mine)  # this process: the original seed files
    assert f"seeds {mine['seeds']} here, {theirs['seeds']} there" in str(p.mismatch_error("w", theirs))


def test_a_task_on_a_worker_of_another_build_refuses_to_run() -> None:
    """A worker that joins after the check refuses the task itself (no Dask needed to show it)."""
    from scenarios.parallel import _Mismatch, _remote, fingerprint, mismatch_error

    panel = Panel(name="x", fingerprint={**fingerprint(), "sources": "0" * 16})
    out = _remote(_fails_on_two, panel, 1)
    assert isinstance(out, _Mismatch) and out.fingerprint == fingerprint() and out.worker == "this process"
    msg = str(mismatch_error(out.worker, {**fingerprint(), "sources": "0" * 16}))
    assert f"sources {fingerprint()['sources']} here, 0000000000000000 there" in msg


def test_a_task_missing_a_symbol_is_re_sent_with_it(cluster) -> None:
    address = cluster.address
    src = FrameSource({"A.HK": _frame(seed=1), "B.HK": _frame(seed=2)})
    out = map_tasks(_last_close, ["A.HK", "B.HK", "C.HK"], source=src, scheduler=address, symbols=["A.HK"])
    assert out[:2] == [float(src.frames["A.HK"]["close"].iloc[-1]),
                       float(src.frames["B.HK"]["close"].iloc[-1])]
    assert out[2] == "no C.HK"
    # errors come back in task order, after the results before them
    it = imap_tasks(_fails_on_two, [1, 2, 3], source=src, scheduler=address)
    assert next(it) == 1
    with pytest.raises(ScenarioError, match="task 2") as exc:
        next(it)
    assert exc.value.field == "x"


def _slow_first(source, task: int) -> int:
    import time

    if task == 0:
        time.sleep(2.0)
    return task * 10


def test_progress_follows_completion_results_keep_task_order(cluster, monkeypatch: pytest.MonkeyPatch) -> None:
    import scenarios.progress

    finished: list[int] = []

    def bar(it, total, description):
        assert (total, description) == (4, "tasks")
        for i in it:  # what advances the bar: the index of each task as it finishes
            finished.append(i)
            yield i

    monkeypatch.setattr(scenarios.progress, "progress", bar)
    out = map_tasks(_slow_first, [0, 1, 2, 3], scheduler=cluster.address, progress="tasks")
    assert out == [0, 10, 20, 30]  # results in task order ...
    assert sorted(finished) == [0, 1, 2, 3] and finished[0] != 0  # ... the bar in completion order


def _last_close(source, symbol: str) -> float | str:
    try:
        return float(source.get(symbol)["close"].iloc[-1])
    except DataUnavailableError as exc:
        return str(exc)


def _fails_on_two(source, task: int) -> int:
    if task == 2:
        raise ScenarioError(f"task {task}", field="x")
    return task


def test_panel_dataclass_is_plain_data() -> None:
    import pickle

    p = Panel(name="x", frames={"A.HK": _frame()})
    q = pickle.loads(pickle.dumps(p))
    assert list(q.frames) == ["A.HK"] and "A.HK" in q


def test_a_running_scheduler_passes_the_probe(cluster) -> None:
    """scenarios.scheduler.unreachable: a real scheduler answers its handshake (the failures are in
    test_scheduler.py)."""
    from scenarios.scheduler import unreachable

    assert unreachable(cluster.address) is None
