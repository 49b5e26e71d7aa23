"""A store or cache file edited by hand: a run payload that is not a JSON object or nests too deep
to decode, a kept score or a cache file (``claim-ids.json``, ``means/``) nested too deep. Each is a
StoreError (exit 5) naming the run, or a cache that only costs speed; never exit 70."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scenarios.cli.app import main
from scenarios.errors import StoreError
from scenarios.store.runs import fetch_run, load_run, record_run
from scenarios.store.scores import keep_score, kept_score

FIXTURE = Path(__file__).parents[1] / "model" / "fixtures" / "tencent_small.yaml"
DEEP = "[" * 100_000 + "]" * 100_000  # valid JSON that json.loads cannot decode (RecursionError)


def _store() -> Path:
    return Path(os.environ["SCENARIOS_HOME"]) / "store.duckdb"


def _set_payload(run_id: str, text: str) -> None:
    import duckdb

    con = duckdb.connect(str(_store()))
    try:
        con.execute("UPDATE runs SET payload = ? WHERE id = ?", [text, run_id])
    finally:
        con.close()


@pytest.mark.parametrize(("text", "what"), [
    ("[]", "a JSON list"), ("null", "a JSON NoneType"), ("5", "a JSON int"),
    (DEEP, "RecursionError"), ('{"a":' * 100_000 + "1" + "}" * 100_000, "RecursionError"),
    ("not json {", "JSONDecodeError")], ids=["list", "null", "int", "deep-list", "deep-object", "not-json"])
def test_a_corrupt_payload_is_a_store_error(text, what) -> None:
    run_id = record_run("run", {"x": 1}, name="n")
    _set_payload(run_id, text)
    for read in (lambda: load_run(run_id), lambda: fetch_run(run_id)):
        with pytest.raises(StoreError, match=f"run '{run_id}' has a corrupt payload: .*{what}"):
            read()


@pytest.mark.parametrize("args", [["runs", "show", "ID"], ["runs", "show", "ID", "-f", "json"],
                                  ["runs", "compare", "ID", "ID"], ["report", "ID", "--out", "OUT"]],
                         ids=["show", "show-json", "compare", "report"])
@pytest.mark.parametrize("text", ["[]", "null", DEEP], ids=["list", "null", "deep"])
def test_cli_on_a_corrupt_payload_exits_5(tmp_path, capsys, args, text) -> None:
    run_id = record_run("run", {"x": 1}, name="n")
    _set_payload(run_id, text)
    argv = [run_id if a == "ID" else str(tmp_path / "r.html") if a == "OUT" else a for a in args]
    assert main(argv) == 5
    err = capsys.readouterr().err
    assert "corrupt payload" in err and run_id in err and "bug" not in err


def test_a_kept_score_nested_too_deep_is_not_kept() -> None:
    import duckdb

    run_id = record_run("run", {"x": 1}, name="n")
    assert keep_score(run_id, {"a": 1}, {"b": 2})
    assert kept_score(run_id) == ({"a": 1}, {"b": 2})
    con = duckdb.connect(str(_store()))
    try:
        con.execute("UPDATE run_scores SET payload = ?", [DEEP])
    finally:
        con.close()
    assert kept_score(run_id) is None


def test_cache_files_nested_too_deep_only_cost_speed(capsys) -> None:
    home = Path(os.environ["SCENARIOS_HOME"])
    assert main(["validate", str(FIXTURE)]) == 0  # writes claim-ids.json (and maybe means/)
    (home / "claim-ids.json").write_text(DEEP, encoding="utf-8")
    from scenarios.model import distributions

    means = distributions._means_file()
    if means is not None:
        means.parent.mkdir(parents=True, exist_ok=True)
        means.write_text(DEEP, encoding="utf-8")
        distributions._DISK = None  # read the file again, as a new process would
        assert distributions._read_means(means) == {}
    capsys.readouterr()
    assert main(["validate", str(FIXTURE)]) == 0
    assert "bug" not in capsys.readouterr().err


def test_folders_where_cache_files_go_only_cost_speed(capsys) -> None:
    """A folder in place of the claim ids, the distribution means or a calendar cache file: the
    commands still work, and no temporary file is left behind (one per process used to pile up)."""
    from scenarios.data import exchange_calendar
    from scenarios.model import distributions

    home = Path(os.environ["SCENARIOS_HOME"])
    folders = [home / "claim-ids.json", exchange_calendar._cache_file("XHKG")]
    means = distributions._means_file()
    if means is not None:
        folders.append(means)
    for folder in folders:
        assert folder is not None
        folder.mkdir(parents=True)
    from scenarios.model import validation

    # as a new process: no claim id, mean or calendar in memory, so each is computed and written
    validation._CLAIM_IDS.clear()
    distributions._MEANS.clear()
    distributions._DISK = None
    exchange_calendar._calendar_arrays.cache_clear()
    exchange_calendar._all_sessions.cache_clear()
    assert main(["validate", str(FIXTURE)]) == 0
    assert main(["run", str(FIXTURE), "--draws", "100", "--no-record"]) == 0
    assert "bug" not in capsys.readouterr().err
    assert all(f.is_dir() for f in folders)
    assert [p.name for p in home.rglob("*") if ".tmp" in p.name] == []
    exchange_calendar._calendar_arrays.cache_clear()
    exchange_calendar._all_sessions.cache_clear()


def test_write_cache_replaces_in_one_step_or_leaves_nothing(tmp_path) -> None:
    from scenarios.paths import write_cache

    path = tmp_path / "sub" / "c.json"
    assert write_cache(path, lambda tmp: tmp.write_text("1", encoding="utf-8"))
    assert write_cache(path, lambda tmp: tmp.write_text("2", encoding="utf-8"))
    assert path.read_text(encoding="utf-8") == "2"

    def half_then_full(tmp: Path) -> None:
        tmp.write_text("half", encoding="utf-8")
        raise OSError(28, "No space left on device")

    assert not write_cache(path, half_then_full)
    assert path.read_text(encoding="utf-8") == "2"          # the old file stays whole
    assert sorted(p.name for p in path.parent.iterdir()) == ["c.json"]

    def not_io(tmp: Path) -> None:
        tmp.write_text("half", encoding="utf-8")
        raise ValueError("not an I/O failure")

    with pytest.raises(ValueError, match="not an I/O failure"):  # a bug is not swallowed ...
        write_cache(path, not_io)
    assert sorted(p.name for p in path.parent.iterdir()) == ["c.json"]  # ... nor its file left
    seen: list[Path] = []

    def record(tmp: Path) -> None:
        seen.append(tmp)
        tmp.write_text("3", encoding="utf-8")

    assert write_cache(path, record) and write_cache(path, record)
    assert seen[0] != seen[1] and all(p.parent == path.parent for p in seen)  # a name per writer
    umask = os.umask(0o022)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask  # as any new file: others may read a cache


@pytest.mark.parametrize("args", [["runs", "list", "-n", "99999999999999999999999"]])
def test_a_limit_beyond_any_store_is_a_usage_error(args, capsys) -> None:
    assert main(args) == 2
    assert "--limit" in capsys.readouterr().err


@pytest.mark.parametrize("run_id", ["r2026\udcff", "r2026\x1b[2J", "r2026é"])
def test_a_run_id_no_run_can_have_is_not_found_not_a_store_error(run_id, capsys) -> None:
    """DuckDB could not even take a lone surrogate from the command line: that was exit 5
    'cannot use the store', blaming the store for the argument."""
    record_run("run", {"x": 1}, name="x")
    for command in (["runs", "show", run_id], ["runs", "delete", run_id], ["report", run_id]):
        assert main(command) == 5
        err = capsys.readouterr().err
        assert "no recorded run has the id" in err and "cannot use the store" not in err
        assert "\x1b" not in err
