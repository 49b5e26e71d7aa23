"""A recorded run's realised score is kept in the store (scenarios.report.scored) and reused only
while everything it was computed from holds: the page is the one computed from scratch, byte for
byte, and a change of prices, code, files, settings or the run's file means computing it again."""

from __future__ import annotations

import io
import json
import os
import shutil
import sys
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from scenarios.cli.app import main
from scenarios.report import scored
from scenarios.store.scores import kept_score

pytestmark = pytest.mark.snapshot

DATA = Path(__file__).parent / "data"


@pytest.fixture
def scenario_file(snapshot_dir: Path, tmp_path: Path) -> Path:
    """A copy of the report tests' index scenario (horizon passed), free to be edited."""
    path = tmp_path / "capex_index.yaml"
    shutil.copy(DATA / "capex_index.yaml", path)
    return path


def _record(file: Path) -> str:
    buf = io.StringIO()
    with redirect_stdout(buf):
        assert main(["run", str(file), "--format", "json"]) == 0
    return json.loads(buf.getvalue())["run_id"]


def _report(run_id: str, out: Path) -> bytes:
    with redirect_stdout(io.StringIO()):
        assert main(["report", run_id, "--out", str(out), "--force"]) == 0
    return out.read_bytes()


def _forget(run_id: str) -> None:
    from scenarios.store.db import connect

    con = connect()
    try:
        con.execute("DELETE FROM run_scores WHERE run_id = ?", [run_id])
    finally:
        con.close()


def _fresh_process_state() -> None:
    """Forget what this process has read, as a new process would (prices, seed files)."""
    from scenarios.data import default_source
    from scenarios.seeds.base import clear_cache

    default_source().clear()
    clear_cache()


@pytest.fixture
def reruns(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Count the re-runs of recorded runs (what a kept score saves)."""
    from scenarios.report import sources

    calls: list[str] = []
    real = sources.rerun_recorded

    def spy(file, *args, **kwargs):
        calls.append(str(file))
        return real(file, *args, **kwargs)

    monkeypatch.setattr(sources, "rerun_recorded", spy)
    return calls


def _is_kept(run_id: str) -> bool:
    from scenarios.api import load_result

    record = load_result(run_id)
    return scored.kept(record, run_id) is not None


def test_recording_a_past_run_keeps_the_score_its_report_shows(scenario_file, tmp_path, reruns) -> None:
    run_id = _record(scenario_file)
    inputs, payload = kept_score(run_id)
    assert payload["score"]["per_symbol"] and payload["counterfactual"]["levels"]
    assert inputs["run"]["sha256"] and inputs["prices"]["0700.HK"][2] and inputs["chain"] == [str(scenario_file)]
    _fresh_process_state()
    kept_page = _report(run_id, tmp_path / "kept.html")
    assert reruns == []                      # nothing re-run: the kept score was used
    _forget(run_id)
    computed_page = _report(run_id, tmp_path / "computed.html")
    assert reruns == [str(scenario_file)]    # re-run and scored from scratch ...
    assert computed_page == kept_page        # ... to the same page, byte for byte
    assert b"Scored now" in kept_page


def test_a_scored_run_is_recorded_with_one_write_connection(scenario_file, monkeypatch) -> None:
    """The run and its kept score share one write connection (each DuckDB open costs 30 to 45 ms)."""
    from scenarios.store import db

    opened: list[bool] = []
    real = db.connect

    def spy(path=None, read_only=False, **kwargs):
        opened.append(read_only)
        return real(path, read_only=read_only, **kwargs)

    _record(scenario_file)                   # the store exists, as for a warm run
    _fresh_process_state()
    monkeypatch.setattr(db, "connect", spy)
    run_id = _record(scenario_file)
    assert kept_score(run_id) is not None
    assert opened.count(False) == 1          # one write: the run and its score


def test_a_score_that_cannot_be_written_leaves_the_run_recorded(scenario_file, monkeypatch) -> None:
    import duckdb

    from scenarios.api import load_result
    from scenarios.store import scores

    def fail(con, run_id, texts):
        raise duckdb.IOException("disk trouble while keeping the score")

    monkeypatch.setattr(scores, "_write", fail)
    run_id = _record(scenario_file)
    assert load_result(run_id).file_sha256   # recorded, and read back
    assert kept_score(run_id) is None        # the score is only a cache: left out


@pytest.mark.parametrize("error", [RuntimeError("a bug"), RecursionError("deep"), "duckdb"])
def test_a_failing_after_record_hook_never_unrecords_the_run(error, tmp_path, caplog) -> None:
    """``then`` runs after the run's commit: whatever it raises, the run is recorded, read back
    and reported (a warning names the failure); a retry would record it twice otherwise."""
    import duckdb

    from scenarios.store.runs import fetch_run, list_runs, record_run

    def then(con, run_id):
        raise duckdb.IOException("disk trouble") if error == "duckdb" else error

    db_path = tmp_path / "store.duckdb"
    run_id = record_run("run", {"x": 1}, name="x", path=db_path, then=then)
    assert fetch_run(run_id, path=db_path) is not None
    assert [r.id for r in list_runs(path=db_path)] == [run_id]
    assert "is recorded, but what belongs with it was not written" in caplog.text


def test_a_crash_while_scoring_records_the_run_without_its_score(scenario_file, monkeypatch, caplog) -> None:
    from scenarios.api import load_result

    def crash(record):
        raise ZeroDivisionError("a bug in the scoring")

    monkeypatch.setattr(scored, "score_to_record", crash)
    run_id = _record(scenario_file)
    assert load_result(run_id).file_sha256 and kept_score(run_id) is None
    assert "recorded without its realised score" in caplog.text and "ZeroDivisionError" in caplog.text


def test_a_score_that_cannot_be_encoded_leaves_the_run_recorded(tmp_path) -> None:
    from scenarios.store.runs import fetch_run, record_run
    from scenarios.store.scores import score_writer

    db_path = tmp_path / "store.duckdb"
    run_id = record_run("run", {"x": 1}, name="x", path=db_path,
                        then=score_writer({"bad": object()}, {"score": None}))
    assert fetch_run(run_id, path=db_path) is not None
    assert kept_score(run_id, path=db_path) is None
    good = record_run("run", {"x": 2}, name="y", path=db_path,
                      then=score_writer({"version": 1}, {"score": {"crps": 0.1}}))
    assert kept_score(good, path=db_path) == ({"version": 1}, {"score": {"crps": 0.1}})


def test_a_report_keeps_the_score_it_computed_for_the_next_one(scenario_file, tmp_path, reruns) -> None:
    run_id = _record(scenario_file)
    _forget(run_id)                          # as for a run recorded before scores were kept
    first = _report(run_id, tmp_path / "first.html")
    assert len(reruns) == 1 and kept_score(run_id) is not None
    _fresh_process_state()
    again = _report(run_id, tmp_path / "again.html")
    assert len(reruns) == 1 and again == first


def test_changed_prices_are_computed_again(scenario_file, tmp_path, reruns) -> None:
    from scenarios.store.db import connect

    run_id = _record(scenario_file)
    before = _report(run_id, tmp_path / "before.html")
    con = connect()   # a realised close inside the window changes (a corrected file imported)
    try:
        con.execute("UPDATE bars SET close = close * 1.25 WHERE symbol = '0700.HK' AND date = DATE '2025-12-31'")
    finally:
        con.close()
    _fresh_process_state()
    assert not _is_kept(run_id)
    after = _report(run_id, tmp_path / "after.html")
    assert len(reruns) == 1 and after != before      # re-scored on the new prices ...
    assert _is_kept(run_id)                          # ... and that score kept in turn


def test_changed_code_is_computed_again(scenario_file, monkeypatch, reruns, tmp_path) -> None:
    run_id = _record(scenario_file)
    assert _is_kept(run_id)
    monkeypatch.setattr(scored, "code_digest", lambda: "another version of the code")
    assert not _is_kept(run_id)
    _report(run_id, tmp_path / "page.html")
    assert len(reruns) == 1


def test_changed_run_file_is_not_scored_from_the_kept_score(scenario_file, tmp_path, reruns) -> None:
    run_id = _record(scenario_file)
    scenario_file.write_text(scenario_file.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    assert not _is_kept(run_id)
    page = _report(run_id, tmp_path / "page.html").decode("utf-8")
    assert "changed since this run: not scored" in page   # what an unkept report says


def test_changed_seed_file_is_computed_again(scenario_file, monkeypatch, tmp_path) -> None:
    from scenarios.seeds.base import seeds_dir

    seeds = tmp_path / "seeds"
    shutil.copytree(seeds_dir(), seeds)
    monkeypatch.setenv("SCENARIOS_SEEDS", str(seeds))
    run_id = _record(scenario_file)
    assert _is_kept(run_id)
    claims = seeds / "claims.yaml"
    claims.write_text(claims.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert not _is_kept(run_id)


def test_changed_settings_or_folder_are_computed_again(scenario_file, monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(scenario_file.parent)
    run_id = _record(Path(scenario_file.name))   # recorded with a path relative to the folder
    assert _is_kept(run_id)
    monkeypatch.setenv("SCENARIOS_REPORTING_LAGS", "HK=30")
    assert not _is_kept(run_id)
    monkeypatch.delenv("SCENARIOS_REPORTING_LAGS")
    assert _is_kept(run_id)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(scenario_file, elsewhere / scenario_file.name)   # the same bytes, another file
    monkeypatch.chdir(elsewhere)
    assert not _is_kept(run_id)


def test_deleting_a_run_deletes_its_kept_score(scenario_file) -> None:
    from scenarios.store.runs import delete_run

    run_id = _record(scenario_file)
    assert kept_score(run_id) is not None
    delete_run(run_id)
    assert kept_score(run_id) is None


def test_nothing_is_kept_for_a_future_horizon_or_fundamentals(snapshot_dir, tmp_path) -> None:
    from scenarios.api import load_result

    run_id = _record(DATA / "future.yaml")
    assert kept_score(run_id) is None            # nothing realised to score yet
    record = load_result(run_id)
    uses_data = tmp_path / "from_data.yaml"
    uses_data.write_text("baseline:\n  0700.HK: {eps: from_data}\n", encoding="utf-8")
    assert scored.current_inputs(record, [str(uses_data)], {}) is None   # fundamentals: not kept
    assert scored.current_inputs(record, [str(DATA / "future.yaml")], {}) is not None


def test_the_kept_inputs_name_every_file_the_scoring_reads(scenario_file, snapshot_dir, tmp_path, reruns) -> None:
    """Every file a report's scoring opens for reading is in the kept inputs (or is code, a
    library, a price file or a cache), so that changing it is noticed."""
    import scenarios
    import valuation
    from scenarios.paths import home

    run_id = _record(scenario_file)
    _forget(run_id)
    _fresh_process_state()
    opened: set[str] = set()
    window = {"on": True}

    def hook(event: str, args: tuple) -> None:
        if event != "open" or not window["on"] or not isinstance(args[0], (str, bytes, os.PathLike)):
            return
        mode, flags = args[1], args[2]
        writing = (any(c in mode for c in "wax+") if isinstance(mode, str)
                   else bool(flags & (os.O_WRONLY | os.O_RDWR)))
        if not writing:
            opened.add(os.fsdecode(args[0]))

    sys.addaudithook(hook)   # hooks cannot be removed: this one is switched off below
    try:
        with redirect_stdout(io.StringIO()):
            assert main(["report", run_id, "--out", str(tmp_path / "page.html")]) == 0
    finally:
        window["on"] = False
    assert reruns and opened
    inputs, _ = kept_score(run_id)
    covered = [Path(scenarios.__file__).parent, Path(valuation.__file__).parent,   # the code digest
               Path(sys.prefix), Path(sys.base_prefix), home(),                    # libraries, caches
               snapshot_dir, Path("/usr/share/zoneinfo"), Path("/dev"), Path("/proc")]   # prices, tz
    named = set(inputs["files"])
    missing = sorted(p for p in opened
                     if str(Path(p).resolve()) not in named and not p.endswith((".py", ".pyc", ".so"))
                     and not any(Path(p).resolve().is_relative_to(c.resolve()) for c in covered))
    assert not missing, f"read by the scoring but not in the kept inputs: {missing}"


def test_the_resolver_names_the_union_of_the_ranges_read(snapshot_dir) -> None:
    import pandas as pd

    from scenarios.data import default_source
    from scenarios.errors import DataUnavailableError

    src = default_source()
    src.get("0700.HK", "2025-01-02", "2025-03-31")
    src.get("0700.HK", "2024-06-03", "2025-02-28")
    src.get("^HSI", "2025-01-02", None)
    with pytest.raises(DataUnavailableError):
        src.get("NOSUCH.HK", "2025-01-02", "2025-03-31")
    reads = src.reads()
    assert reads["0700.HK"] == (pd.Timestamp("2024-06-03"), pd.Timestamp("2025-03-31"))
    assert reads["^HSI"] == (pd.Timestamp("2025-01-02"), None)
    assert "NOSUCH.HK" in reads                  # a symbol no source has is an input too
