"""The report of a scenario file carries the sensitivity tornado (issue 12: "also in the report")."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.snapshot
def test_report_of_a_file_shows_the_tornado(snapshot_dir: Path) -> None:
    from scenarios import api
    from scenarios.model import load_scenario
    from scenarios.model.resolved import resolve_scenario
    from scenarios.report import render_report
    from scenarios.sensitivity import tornado

    path = REPO / "examples" / "tencent_feb_2026.yaml"
    view = api.report_view(path, draws=500, seed=1)
    assert view.tornado is not None
    # the same tornado as the sensitivity command's on the same scenario
    expect = tornado(resolve_scenario(load_scenario(path), draws=500, seed=1), name="x")
    assert view.tornado.symbols == expect.symbols
    for s in expect.symbols:
        assert [(b.param, b.low_return, b.high_return) for b in view.tornado.bars[s]] == \
               [(b.param, b.low_return, b.high_return) for b in expect.bars[s]]
    html = render_report(view)
    assert 'id="sensitivity"' in html and 'id="fig-tornado"' in html and "<svg" in html
    top = view.tornado.bars["0700.HK"][0]
    assert f"{100 * top.swing:.1f} pp" in html and top.param in html
