r"""A scenario name is one line in every heading and table cell that shows it: a newline, tab or
escape in ``name:`` shows as ``\n``, ``\t``, ``\x1b`` (``errors.one_line``): the run's title, the
backtest and walk-forward headings, ``runs list``/``show``/``compare``, a grid backtest's summary
table, and a scenario set's titles and component labels."""

from __future__ import annotations

import json
from pathlib import Path

from scenarios.cli.app import main

FIXTURE = Path(__file__).parents[1] / "model" / "fixtures" / "tencent_small.yaml"
SHOWN = "two\\nlines\\tforged: [bold]x[/bold]"


def _scenario(tmp_path: Path, extra: str = "", name: str = "nl.yaml") -> Path:
    text = FIXTURE.read_text(encoding="utf-8").replace(
        "name: tencent-vat-rumour", 'name: "two\\nlines\\tforged: [bold]x[/bold]"')
    path = tmp_path / name
    path.write_text(text + extra, encoding="utf-8")
    return path


def _rows(out: str) -> list[str]:
    """The output's lines that show the name; none may show a piece of it on a line of its own."""
    assert "lines\tforged" not in out and "forged:" not in out.replace(SHOWN, ""), out
    return [line for line in out.splitlines() if SHOWN in line]


def test_a_name_with_a_newline_stays_on_its_line(tmp_path, capsys) -> None:
    """The run's title, the backtest's heading and ``runs list``/``show``/``compare`` (they used to
    break the title in two and make the name's table cell two rows tall)."""
    path = _scenario(tmp_path)
    assert main(["run", str(path), "--draws", "200"]) == 0
    assert _rows(capsys.readouterr().out)[0].startswith(SHOWN + ": ")
    assert main(["backtest", str(path), "--draws", "200"]) == 0
    assert _rows(capsys.readouterr().out)[0].startswith(SHOWN + "  as of ")
    assert main(["runs", "list", "--format", "json"]) == 0
    ids = [r["id"] for r in json.loads(capsys.readouterr().out)]
    assert main(["runs", "list"]) == 0
    assert len(_rows(capsys.readouterr().out)) == 2        # one row per run
    assert main(["runs", "show", ids[0]]) == 0
    assert _rows(capsys.readouterr().out)
    assert main(["runs", "compare", *ids]) == 0
    compared = _rows(capsys.readouterr().out)
    assert len(compared) == 1 and compared[0].count(SHOWN) == 2            # the name row, both runs


def test_the_walk_forward_heading_keeps_the_name_on_its_line(tmp_path, capsys) -> None:
    path = _scenario(tmp_path)
    assert main(["backtest", str(path), "--roll", "monthly", "--from", "2025-06-30", "--to", "2025-08-29",
                 "--draws", "100", "--no-record"]) == 0
    assert _rows(capsys.readouterr().out)[0].startswith(SHOWN + "  walk-forward")


def test_a_grid_backtest_summary_has_one_row_per_point(tmp_path, capsys) -> None:
    path = _scenario(tmp_path, "grid:\n  drivers[derating].change: [-0.05, 0.0]\n")
    assert main(["backtest", str(path), "--draws", "100", "--no-record"]) == 0
    rows = [r for r in _rows(capsys.readouterr().out) if "derating" in r]
    assert len(rows) >= 2 and all("│" in r for r in rows[-2:]), rows   # the summary: one row per point


def test_a_set_keeps_its_name_and_component_labels_on_their_lines(tmp_path, capsys) -> None:
    """A component is labelled by its scenario's name: in the set's title (a long title folds at
    the table's width, which is not a newline of the name) and in its components table."""
    _scenario(tmp_path)
    (tmp_path / "set.yaml").write_text(
        'kind: set\nname: "set\\nname"\nas_of: 2026-02-12\nhorizon: 2026-08-12\n'
        "monte_carlo: {draws: 200, seed: 1}\ncomponents:\n  - {file: nl.yaml, probability: 1.0}\n",
        encoding="utf-8")
    assert main(["run", str(tmp_path / "set.yaml"), "--no-record"]) == 0
    out = capsys.readouterr().out
    assert "set\nname" not in out and "two\nlines" not in out and "\t" not in out, out
    assert out.startswith("set\\nname: ") and "two\\nlines\\t" in out.split("\n")[0], out
    components = [line for line in out.splitlines() if SHOWN in line]
    assert len(components) == 3, out              # a components row per line: 0700.HK, 9988.HK, index
