"""Text from files, users and data prints verbatim (issue 16): no emoji codes (``:100:``), no
rich markup (``[bold]``), and control characters (ANSI escapes) shown, never sent raw."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from scenarios.cli.app import main
from scenarios.console import clean_control, make_console, plain

FIXTURE = Path(__file__).parents[1] / "model" / "fixtures" / "tencent_small.yaml"
HOSTILE_NAME = "\x1b[31mRED [bold]x[/bold] :100: :thumbs_up: \x07\x9b2J"


def test_console_prints_locations_markup_and_controls_as_written() -> None:
    buf = io.StringIO()
    console = make_console(file=buf, width=200)
    console.print("f.yaml:100:10 [bold]name[/bold] :smile: \x1b[2J done")
    text = buf.getvalue()
    assert text == "f.yaml:100:10 [bold]name[/bold] :smile: \\x1b[2J done\n"


def test_markup_consoles_keep_their_own_tags_but_not_the_datas() -> None:
    buf = io.StringIO()
    console = make_console(file=buf, width=200, markup=True)
    console.print(f"[bold]run[/bold] {plain(HOSTILE_NAME)}")
    assert buf.getvalue() == f"run {clean_control(HOSTILE_NAME)}\n"
    assert "\x1b" not in buf.getvalue() and "\x9b" not in buf.getvalue()


def test_validate_error_at_line_100_column_10_is_not_an_emoji(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    lines = FIXTURE.read_text(encoding="utf-8").replace("as_of: 2026-02-12\n", "").splitlines()
    lines += ["#"] * (99 - len(lines)) + ["as_of:   2026-13-45"]
    (tmp_path / "file.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["validate", "--no-data", "file.yaml"]) == 2
    err = capsys.readouterr().err
    assert "file.yaml:100:10 as_of: must be a date" in err
    assert "\U0001f4af" not in err


@pytest.mark.snapshot
def test_run_and_runs_list_show_control_characters_of_a_name(snapshot_dir, tmp_path, capsys) -> None:
    text = FIXTURE.read_text(encoding="utf-8").replace(
        "name: tencent-vat-rumour", 'name: "\\e[31mRED [bold]x[/bold] :100: :thumbs_up: \\a\\x9b2J"')
    path = tmp_path / "ansi.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["run", str(path), "--draws", "200"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
    assert "\\x1b[31mRED [bold]x[/bold] :100: :thumbs_up: \\x07\\x9b2J" in out.replace("\n", "")
    assert main(["runs", "list"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\\x1b[31mRED [bold]x[/bold]" in out
