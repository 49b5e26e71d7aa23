"""``scenarios runs compare``: runs recorded through the real CLI on the real price snapshot,
compared against independent computations (our own flattening of the loaded scenarios, the
payloads ``runs show`` returns)."""

from __future__ import annotations

import contextlib
import copy
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios.cli.app import main
from scenarios.compare import ABSENT, RunRecord, compare_runs, input_diff
from scenarios.errors import IncomparableRunsError, RunNotFoundError

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "examples" / "tencent_feb_2026.yaml"
BEAR = ROOT / "examples" / "tencent_feb_2026_bear.yaml"
GRID = ROOT / "examples" / "deepseek_rally_feb_2025.yaml"
INDEX = ROOT / "examples" / "hstech_ai_reweight_2025.yaml"


def _run_json(args: list[str]) -> Any:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(args)
    assert code == 0, buf.getvalue()
    return json.loads(buf.getvalue())


@pytest.fixture(scope="module")
def store(snapshot_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One store with runs recorded by ``scenarios run`` / ``scenarios backtest``: the Tencent base
    and bear cases, the three DeepSeek grid points and a backtest of the base case."""
    home = tmp_path_factory.mktemp("compare_home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SCENARIOS_HOME", str(home))
        mp.setenv("SCENARIOS_PRICES", str(snapshot_dir))
        mp.setenv("SCENARIOS_OFFLINE", "1")
        base = _run_json(["run", str(BASE), "--draws", "2000", "--format", "json"])
        bear = _run_json(["run", str(BEAR), "--draws", "2000", "--format", "json"])
        grid = _run_json(["run", str(GRID), "--draws", "2000", "--format", "json"])
        bt = _run_json(["backtest", str(BASE), "--draws", "2000", "--format", "json"])
        index = _run_json(["run", str(INDEX), "--draws", "1000", "--seed", "7", "--format", "json"])
        index2 = _run_json(["run", str(INDEX), "--draws", "1000", "--seed", "8", "--format", "json"])
        walk = _run_json(["backtest", str(BASE), "--draws", "300", "--roll", "quarterly", "--from", "2025-03-31",
                          "--to", "2025-09-30", "--format", "json"])
        yield {"index": [index["run_id"], index2["run_id"]], "walk": walk["run_id"],"home": home,
               "prices": snapshot_dir, "base": base["run_id"], "bear": bear["run_id"],
               "grid": [g["run_id"] for g in grid], "backtest": bt["run_id"]}


@pytest.fixture()
def in_store(store: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("SCENARIOS_HOME", str(store["home"]))
    monkeypatch.setenv("SCENARIOS_PRICES", str(store["prices"]))
    return store


def _show(run_id: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert main(["runs", "show", run_id, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)["payload"]


def _compare_json(ids: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert main(["runs", "compare", *ids, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


# ---------------------------------------------------------------------------- independent flattening


def _flatten(node: Any, path: str, out: dict[str, Any]) -> None:
    """Our own flattening: ``a.b``, ``a[key.with.dots]``, drivers keyed by label."""
    if isinstance(node, dict) and node:
        for k, v in node.items():
            k = str(k)
            sub = (f"{path}.{k}" if path else k) if k.isidentifier() else f"{path}[{k}]"
            _flatten(v, sub, out)
    elif isinstance(node, list) and node and all(isinstance(x, dict) and "label" in x for x in node):
        for x in node:
            _flatten(x, f"{path}[{x['label']}]", out)
    else:
        out[path] = node


def _flat_inputs(file: Path) -> dict[str, Any]:
    from scenarios.model import load_scenario

    data = load_scenario(file).model_dump(mode="json")
    out: dict[str, Any] = {}
    for k, v in data.items():
        if k not in ("name", "description"):
            _flatten(v, k, out)
    return out


# ---------------------------------------------------------------------------- CLI on real runs


def test_base_vs_bear_input_diff_is_exactly_what_the_bear_file_changes(
        in_store: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    a, b = _flat_inputs(BASE), _flat_inputs(BEAR)
    assert a.keys() == b.keys()
    expected = {k: [a[k], b[k]] for k in a if a[k] != b[k]}
    assert expected  # the bear case changes something
    assert "drivers[growth].growth.mean" in expected  # 0.12 -> 0.08 in the bear file

    cmp = _compare_json([in_store["base"], in_store["bear"]], capsys)
    got = {d["key"]: d["values"] for d in cmp["input_diff"]}
    assert got == expected
    assert all(d["present"] == [True, True] for d in cmp["input_diff"])
    assert [h["id"] for h in cmp["runs"]] == [in_store["base"], in_store["bear"]]
    assert [h["name"] for h in cmp["runs"]] == ["tencent-feb-2026", "tencent-feb-2026-bear"]
    assert all(h["draws"] == 2000 and h["as_of"] == "2026-02-12" for h in cmp["runs"])


def test_median_differences_equal_differences_of_shown_payloads(
        in_store: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    ids = [in_store["base"], in_store["bear"], in_store["backtest"]]
    shown = [_show(i, capsys) for i in ids]
    summaries = [{r["symbol"]: r for r in p["summary"]} for p in shown[:2]]
    summaries.append({r["symbol"]: r for r in shown[2]["result"]["summary"]})
    cmp = _compare_json(ids, capsys)
    rows = {r["symbol"]: r for r in cmp["predictions"]}
    assert list(rows) == ["0700.HK"]  # one stock, no index_weighting driver: no index line
    row = rows["0700.HK"]
    med = [s["0700.HK"]["median_return"] for s in summaries]
    assert row["median_diff"] == [None, med[1] - med[0], med[2] - med[0]]
    assert row["median_diff"][1] < 0  # the bear case is bearish
    for got, s in zip(row["runs"], summaries, strict=True):
        r = s["0700.HK"]
        assert (got["median"], got["p05"], got["p95"], got["prob_up"]) == (
            r["median_return"], r["return_p05"], r["return_p95"], r["prob_up"])
    assert row["return_kind"] == "total"
    # the backtest adds what happened, as its own payload has it
    outcome = shown[2]["per_symbol"][0]
    assert row["runs"][2]["realized"] == outcome["realized"]
    assert row["runs"][2]["pit"] == outcome["pit"]
    assert "realized" not in row["runs"][0]
    assert cmp["backtest_summary"][:2] == [None, None]
    assert cmp["backtest_summary"][2]["crps"] == shown[2]["summary"]["crps"]
    assert cmp["backtest_summary"][2]["hit_rate"] == shown[2]["summary"]["hit_rate"]

    # the table prints the same differences in percentage points
    assert main(["runs", "compare", *ids]) == 0
    out = capsys.readouterr().out
    assert f"{100 * (med[1] - med[0]):+.1f}pp" in out
    assert "drivers[growth].growth.mean" in out
    assert "backtest scores" in out


def test_grid_points_differ_only_in_the_grid_key(in_store: dict[str, Any],
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    cmp = _compare_json(in_store["grid"], capsys)
    assert [d["key"] for d in cmp["input_diff"]] == ["drivers[pe-reversion].half_life_years"]
    assert cmp["input_diff"][0]["values"] == [0.5, 1.0, 2.0]
    assert [h["grid_point"] for h in cmp["runs"]] == [
        {"drivers[pe-reversion].half_life_years": v} for v in (0.5, 1.0, 2.0)]
    (row,) = cmp["predictions"]
    assert row["symbol"] == "HSTECH.HK" and row["return_kind"] == "price"
    # same seed, only the horizon P/E moves: a longer half-life closes less of the gap to the
    # 5-year average multiple, so every draw and hence the median is lower
    assert row["median_diff"][0] is None
    assert row["median_diff"][1] < 0 and row["median_diff"][2] < row["median_diff"][1]


def test_index_lines_are_compared_too(in_store: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    ids = in_store["index"]
    shown = [_show(i, capsys) for i in ids]
    cmp = _compare_json(ids, capsys)
    # only the seed differs: the header says so and the inputs do not differ but for it
    assert [h["seed"] for h in cmp["runs"]] == [7, 8]
    assert [d["key"] for d in cmp["input_diff"]] == []  # --seed overrides the run, not the file
    rows = {r["symbol"]: r for r in cmp["predictions"]}
    assert set(shown[0]["symbols"]) < set(rows)
    for line in ("index", "index (baseline weights)"):  # the file has an index_weighting driver
        row = rows[line]
        assert row["line"] == "index"
        med = [next(r["median_return"] for r in p["index_summary"] if r["line"] == line) for p in shown]
        assert row["median_diff"] == [None, med[1] - med[0]]
        assert row["return_kind"] == next(r["return_kind"] for r in shown[0]["index_summary"] if r["line"] == line)
    assert cmp["not_in_all"] == []
    assert main(["runs", "compare", *ids]) == 0
    assert "[index (baseline weights)]" in capsys.readouterr().out


def test_walk_forward_contributes_its_track_record(in_store: dict[str, Any],
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    walk = _show(in_store["walk"], capsys)
    assert walk["mode"] == "walk_forward"
    cmp = _compare_json([in_store["walk"], in_store["base"]], capsys)
    assert cmp["runs"][0]["kind"] == "backtest (walk-forward)"
    track = walk["track"]
    assert cmp["backtest_summary"][0]["ic"] == track["mean_ic"]
    assert cmp["backtest_summary"][0]["crps"] == track["crps"]
    assert cmp["backtest_summary"][0]["coverage"] == track["coverage"]
    assert cmp["backtest_summary"][1] is None
    (row,) = cmp["predictions"]
    assert row["runs"][0] is None and row["median_diff"] == [None, None]
    assert row["in_all"] is True  # a walk-forward run is not expected to hold per-symbol rows
    assert any("walk-forward" in n for n in cmp["notes"])
    assert main(["runs", "compare", in_store["walk"], in_store["base"]]) == 0
    assert "backtest scores" in capsys.readouterr().out


def test_json_round_trips_and_matches_the_library(in_store: dict[str, Any],
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from scenarios.store.runs import load_run, run_info

    ids = [in_store["grid"][0], in_store["base"][:-1]]  # a unique prefix is enough
    cmp = _compare_json(ids, capsys)
    assert json.loads(json.dumps(cmp)) == cmp
    recs = []
    for i in ids:
        info = run_info(i)
        recs.append(RunRecord(id=info.id, kind=info.kind, name=info.name, created_at=info.created_at,
                              file_sha256=info.file_sha256, payload=load_run(info.id)))
    assert json.loads(json.dumps(compare_runs(recs))) == cmp
    assert cmp["runs"][1]["id"] == in_store["base"]
    # no symbol in common: each is shown with "-" for the other run and listed in a note
    assert sorted(cmp["not_in_all"]) == ["0700.HK", "HSTECH.HK"]
    for row in cmp["predictions"]:
        assert row["in_all"] is False and row["median_diff"] == [None, None]
        assert sum(x is None for x in row["runs"]) == 1
    assert any("not in every run" in n for n in cmp["notes"])
    assert any("different windows" in n for n in cmp["notes"])


def test_total_and_price_return_of_one_symbol_are_refused(in_store: dict[str, Any],
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    from scenarios.store.runs import load_run, record_run

    payload = copy.deepcopy(load_run(in_store["base"]))
    payload["summary"][0]["return_kind"] = "price"
    payload["return_kinds"]["0700.HK"] = "price"
    doctored = record_run("run", payload, name="tencent-as-price")
    code = main(["runs", "compare", in_store["base"], doctored])
    err = capsys.readouterr().err
    assert code == IncomparableRunsError.exit_code == 2
    assert "0700.HK" in err and "total" in err and "price" in err and "Traceback" not in err


def test_unknown_id_and_single_id_errors(in_store: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["runs", "compare", in_store["base"], "rdoesnotexist"])
    err = capsys.readouterr().err
    assert code == RunNotFoundError.exit_code
    assert "RunNotFoundError" in err and "'rdoesnotexist'" in err and "scenarios runs list" in err

    code = main(["runs", "compare", in_store["base"]])
    err = capsys.readouterr().err
    assert code == 2
    assert "at least two run ids" in err and "Traceback" not in err


# ---------------------------------------------------------------------------- pure logic


def _base_inputs() -> dict[str, Any]:
    return {
        "name": "x", "description": "text", "as_of": "2025-01-01", "universe": ["0700.HK"],
        "baseline": {"0700.HK": {"eps": {"value": 27.2, "unit": "1"}}},
        "drivers": [{"label": "g", "type": "earnings_growth", "growth": {"mean": 0.1, "sd": 0.02}},
                    {"label": "capex", "type": "capex", "amount": {"mean": 5.0}}],
        "monte_carlo": {"draws": 1000, "residual": {"vol": "history"}},
    }


_LEAVES = ["as_of", "universe", "baseline[0700.HK].eps.value", "baseline[0700.HK].eps.unit",
           "drivers[g].growth.mean", "drivers[g].growth.sd", "drivers[capex].amount.mean",
           "monte_carlo.draws", "monte_carlo.residual.vol"]


def _set(d: dict[str, Any], path: str, value: Any) -> None:
    """Set a leaf of ``_base_inputs()`` by its compare path (test-local parser)."""
    import re

    parts = [a or b for a, b in re.findall(r"\[([^\]]+)\]|([^.\[\]]+)", path)]
    node: Any = d
    for p in parts[:-1]:
        if isinstance(node, list):
            node = next(x for x in node if x["label"] == p)
        else:
            node = node[p]
    node[parts[-1]] = value


@settings(deadline=None, max_examples=40)
@given(changed=st.sets(st.sampled_from(_LEAVES)),
       value=st.one_of(st.integers(10_000, 20_000), st.text(alphabet="xyz", min_size=2, max_size=6),
                       st.none(), st.lists(st.integers(), max_size=2)))
def test_input_diff_lists_exactly_the_changed_leaves(changed: set[str], value: Any) -> None:
    a, b = _base_inputs(), _base_inputs()
    for path in changed:
        _set(b, path, value)
    b["name"], b["description"] = "y", "other text"  # free text is not part of the diff
    rows = input_diff([a, b])
    assert {r["key"] for r in rows} == changed
    assert all(r["values"][1] == value for r in rows)
    assert input_diff([a, copy.deepcopy(a)]) == []


def test_input_diff_shows_a_missing_driver_as_one_row() -> None:
    a, b = _base_inputs(), _base_inputs()
    b["drivers"] = b["drivers"][:1]
    (row,) = input_diff([a, b, None])
    assert row["key"] == "drivers[capex]"
    assert row["values"][0] == a["drivers"][1] and row["values"][1] is ABSENT and row["values"][2] is ABSENT


def test_compare_needs_two_runs() -> None:
    rec = RunRecord(id="r1", kind="run", name="x", created_at=None, file_sha256=None, payload={})
    with pytest.raises(IncomparableRunsError):
        compare_runs([rec])


def test_relative_calls_are_compared(in_store: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 11 item 10: the excess over each declared benchmark (Tencent vs ^HSI) is in the
    comparison, equal to what the backtest recorded, and printed with its basis."""
    bt = _show(in_store["backtest"], capsys)
    walk = _show(in_store["walk"], capsys)
    cmp = _compare_json([in_store["backtest"], in_store["walk"], in_store["base"]], capsys)
    single, wf, run = cmp["relative_calls"]
    assert run == []
    (blk,) = single
    rec = bt["excess"]["^HSI"]
    assert blk["benchmark"] == "^HSI" and blk["basis"] == "total - price"
    assert blk["hit_rate"] == rec["hit_rate"] and blk["n_scored"] == rec["n_scored"]
    assert blk["basket_realized"] == rec["basket"]["realized"]
    # one symbol: the basket is Tencent itself, and its realized excess is Tencent minus ^HSI
    tencent = next(r for r in bt["per_symbol"] if r["symbol"] == "0700.HK")
    assert rec["basket"]["realized"] == pytest.approx(tencent["realized"] - rec["benchmark_realized"], abs=1e-12)
    (wblk,) = wf
    assert wblk["hit_rate"] == walk["track"]["excess"]["^HSI"]["hit_rate"]
    assert main(["runs", "compare", in_store["backtest"], in_store["walk"]]) == 0
    out = capsys.readouterr().out
    assert "relative calls" in out and "total - price" in out and "dividend yield" in out
