"""Reproducibility (issue 16): a run records a fingerprint of the price rows it used (source,
range, hash), and ``runs show`` / ``report RUN_ID`` say when those rows have changed since."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios.cli.app import main
from scenarios.data.fingerprint import rows_fingerprint

FIXTURE = Path(__file__).parents[1] / "model" / "fixtures" / "tencent_small.yaml"


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(min_value=0.01, max_value=1e6), min_size=1, max_size=30), st.data())
def test_fingerprint_changes_with_any_close_or_date(closes, data) -> None:
    idx = pd.bdate_range("2025-01-01", periods=len(closes))
    frame = pd.DataFrame({"close": closes, "open": closes}, index=idx)
    fp = rows_fingerprint(frame)
    assert fp == rows_fingerprint(frame.copy()) and len(fp) == 16
    assert fp == rows_fingerprint(frame.assign(open=0.0))  # only dates and closes count
    i = data.draw(st.integers(0, len(closes) - 1))
    bumped = frame["close"].to_numpy().copy()
    bumped[i] = np.nextafter(bumped[i], np.inf)
    assert rows_fingerprint(frame.assign(close=bumped)) != fp
    shifted = frame.copy()
    shifted.index = idx + pd.Timedelta(days=1)
    assert rows_fingerprint(shifted) != fp


def test_runs_show_and_report_say_when_the_prices_changed(snapshot_dir, tmp_path, capsys, monkeypatch) -> None:
    folder = tmp_path / "prices"
    folder.mkdir()
    for sym in ("0700.HK", "9988.HK", "^HSI"):
        shutil.copy(snapshot_dir / f"{sym}.csv", folder / f"{sym}.csv")
    monkeypatch.setenv("SCENARIOS_PRICES", str(folder))
    assert main(["run", str(FIXTURE), "--draws", "100", "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    run_id = payload["run_id"]
    info = payload["data_sources"]["0700.HK"]
    assert info["rows"] > 1000 and len(info["sha256"]) == 16 and info["last"] == "2026-02-12"
    assert main(["runs", "show", run_id, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["data_changed"] == []

    # a corrected CSV: one close before as_of differs; a fresh store (as after a re-import)
    path = folder / "0700.HK.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    k = lines[0].split(",").index("close")
    i = next(n for n, line in enumerate(lines) if line.startswith("2025-06-03,"))
    cells = lines[i].split(",")
    cells[k] = str(float(cells[k]) * 1.01)
    lines[i] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    from scenarios.data import resolver

    for r in resolver._DEFAULT.values():
        r.clear()
        if r.store is not None:
            r.store.delete("0700.HK")
    assert main(["runs", "show", run_id]) == 0
    out = capsys.readouterr().out.replace("\n", " ")
    assert "note: 0700.HK: the price rows" in out and "changed since this run" in out
    assert "9988.HK" not in out.split("note:")[-1]
    html = tmp_path / "r.html"
    assert main(["report", run_id, "--out", str(html)]) == 0
    assert "0700.HK: the price rows" in capsys.readouterr().err
    assert "Price data changed since this run" in html.read_text(encoding="utf-8")
