"""Runs recorded by the first release (commit 1686d0f) read back through the typed results.

``data/first_release/*.json`` are real ``--format json`` outputs of that release (a run, a
single backtest, a walk-forward and an index backtest; paths made relative, the index levels
cut to five sessions). Reading them must give back every key and number, and the commands
that read the store (``runs show``, ``runs compare``, ``report``) must work on them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scenarios.results import (
    SCHEMA_VERSION,
    RunResult,
    SingleBacktestResult,
    WalkForwardResult,
    from_payload,
)

DATA = Path(__file__).parent / "data" / "first_release"
FILES = sorted(DATA.glob("*.json"))


def _load(path: Path) -> tuple[str, dict]:
    d = json.loads(path.read_text(encoding="utf-8"))
    return d["kind"], d["payload"]


def _items(payload):
    return payload if isinstance(payload, list) else [payload]


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_first_release_payload_reads_back_key_for_key(path: Path) -> None:
    kind, payload = _load(path)
    for item in _items(payload):
        typed = from_payload(kind, item)
        assert typed.to_dict() == item
        assert json.loads(typed.to_json()) == item
        expected = {"run": RunResult}.get(kind) or (
            WalkForwardResult if item["mode"] == "walk_forward" else SingleBacktestResult)
        assert type(typed) is expected


def test_typed_fields_carry_the_numbers() -> None:
    _, bt = _load(DATA / "backtest-hstech_ai_reweight_2025.json")
    t = from_payload("backtest", bt)
    assert isinstance(t, SingleBacktestResult)
    assert t.score_summary.nominal_coverage == pytest.approx(0.9)
    assert t.score_summary.n_scored == sum(1 for r in bt["per_symbol"] if r["scored"])
    assert t.index is not None and t.index.weight_covered == bt["index"]["weight_covered"]
    assert (t.index_performance.vs["HSTECH.HK"].excess_return
            == bt["index_performance"]["vs"]["HSTECH.HK"]["excess_return"])
    scores = t.scores()
    assert list(scores.index) == [r["symbol"] for r in bt["per_symbol"]]
    _, wf = _load(DATA / "walk-tencent_feb_2026.json")
    w = from_payload("backtest", wf)
    assert isinstance(w, WalkForwardResult) and w.start == wf["from"] and w.end == wf["to"]
    assert list(w.summary().index) == [x["as_of"] for x in wf["windows"]]
    assert w.scores().shape[0] == len(wf["pairs"])


def test_store_commands_read_first_release_runs(snapshot_dir: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    from scenarios.cli.app import main
    from scenarios.store.runs import load_run, record_run

    _, run = _load(DATA / "run-tencent_feb_2026.json")
    _, bt = _load(DATA / "backtest-tencent_feb_2026.json")
    _, wf = _load(DATA / "walk-tencent_feb_2026.json")
    a = record_run("run", run, name=run["name"], file_sha256=run["file_sha256"])
    b = record_run("backtest", bt, name=bt["scenario"], file_sha256=bt["file_sha256"])
    c = record_run("backtest", wf, name=wf["scenario"], file_sha256=wf["file_sha256"])
    assert load_run(a) == run
    assert main(["runs", "show", b]) == 0
    out = capsys.readouterr().out
    assert "per symbol" in out and "0700.HK" in out and "across symbols" in out
    assert main(["runs", "show", c, "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)["payload"]
    assert shown == wf  # a first-release payload is shown as it was recorded (no new keys)
    assert main(["runs", "compare", a, b, c, "--format", "json"]) == 0
    cmp = json.loads(capsys.readouterr().out)
    row = next(p for p in cmp["predictions"] if p["symbol"] == "0700.HK")
    assert row["runs"][0]["median"] == run["summary"][0]["median_return"]
    assert row["runs"][1]["realized"] == bt["per_symbol"][0]["realized"]
    assert cmp["backtest_summary"][2]["nominal_coverage"] == wf["track"]["nominal_coverage"]
    out_html = tmp_path / "bt.html"
    assert main(["report", b, "--out", str(out_html)]) == 0
    assert "0700.HK" in out_html.read_text(encoding="utf-8")
    assert SCHEMA_VERSION > run["schema_version"]


def test_a_run_of_an_unknown_version_is_one_clear_store_error(snapshot_dir: Path, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    from scenarios.cli.app import main
    from scenarios.store.runs import record_run

    _, run = _load(DATA / "run-tencent_feb_2026.json")
    newer = record_run("run", {**run, "schema_version": 99}, name="newer")
    older = record_run("backtest", {"mode": "single", "scenario": "x", "scores": {"hit": 1}}, name="older")
    ok = record_run("run", run, name=run["name"])
    for args in (["report", newer, "--out", str(tmp_path / "x.html")], ["runs", "compare", ok, older]):
        code = main(args)
        err = capsys.readouterr().err
        assert code == 5, err
        assert "recorded by another version of scenarios" in err and "re-run it" in err
        assert "Traceback" not in err
    assert not (tmp_path / "x.html").exists()
