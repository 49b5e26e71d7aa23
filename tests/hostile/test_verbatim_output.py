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


def test_a_newline_in_a_path_never_forges_a_line_of_output(tmp_path, monkeypatch, capsys) -> None:
    """A file or folder name is printed with its control characters escaped (``\\n`` shown), so a
    name such as ``x<newline>error: fine.yaml`` cannot print a line of its own."""
    monkeypatch.chdir(tmp_path)
    assert main(["run", "nofile\nok: all good.yaml"]) == 2
    err = capsys.readouterr().err
    assert err == "error (ScenarioError): nofile\\nok: all good.yaml: file not found\n"
    broken = tmp_path / "x\ny.yaml"
    broken.write_text("name: [\n")
    assert main(["validate", str(broken)]) == 2
    err = capsys.readouterr().err
    assert "x\\ny.yaml:2:1: invalid YAML" in err and "x\ny" not in err
    assert main(["run", str(FIXTURE), "--no-record", "--draws", "100", "--out", "o\nut"]) == 0
    captured = capsys.readouterr()
    wrote = [line for line in (captured.out + captured.err).splitlines() if line.startswith("wrote ")]
    assert wrote and all(line.startswith("wrote o\\nut/") for line in wrote)
    assert (tmp_path / "o\nut").is_dir()                       # the folder itself has its real name
    (tmp_path / "f\tile").write_text("")
    assert main(["run", str(FIXTURE), "--no-record", "--out", "f\tile"]) == 2
    assert "--out f\\tile is a file, not a folder" in capsys.readouterr().err


def test_a_newline_in_a_store_or_data_path_stays_on_one_line(tmp_path, monkeypatch, capsys) -> None:
    (tmp_path / "afile").write_text("")
    monkeypatch.setenv("SCENARIOS_HOME", str(tmp_path / "afile" / "x\nerror: forged"))
    assert main(["run", str(FIXTURE), "--draws", "100"]) == 5          # the store cannot be created
    err = capsys.readouterr().err
    assert "x\\nerror: forged" in err and "\nerror: forged" not in err
    assert main(["data", "import", str(tmp_path / "no\nsuch")]) != 0
    err = capsys.readouterr().err
    assert "no\\nsuch" in err and "no\nsuch" not in err
    monkeypatch.setenv("SCENARIOS_PRICES", str(tmp_path / "p\nq"))
    monkeypatch.setenv("SCENARIOS_HOME", str(tmp_path / "home"))
    assert main(["run", str(FIXTURE), "--draws", "100", "--no-record"]) != 0
    err = capsys.readouterr().err
    assert "p\\nq is not a folder" in err and "p\nq" not in err


def test_shown_path_escapes_exactly_the_control_characters() -> None:
    from hypothesis import given
    from hypothesis import strategies as st

    from scenarios.errors import shown_path

    @given(st.text())
    def check(text: str) -> None:
        shown = shown_path(text)
        assert not any(ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f for c in shown)
        if text.isprintable():
            assert shown == text
        if "\\" not in text:  # the escapes decode to the name (a backslash in it is not escaped)
            assert shown.encode("latin-1", "backslashreplace").decode("unicode_escape") == text
    check()


def test_a_name_or_grid_value_with_a_newline_stays_on_its_row(tmp_path, capsys) -> None:
    r"""The backtest's grid table, ``runs show``'s fields and ``runs compare``'s grid-point row
    show a name's or a grid value's newline and tab as ``\n`` and ``\t`` (each used to spread
    over two rows of its table), and the backtest's heading shows its file escaped."""
    import json

    text = FIXTURE.read_text(encoding="utf-8").replace(
        "name: tencent-vat-rumour", 'name: "two\\nlines"').replace(
        "    label: growth\n", "    label: growth\n    note: plain\n")
    path = tmp_path / "f\nile.yaml"
    path.write_text(text + 'grid:\n  drivers[growth].note: ["a\\nb", "c\\td"]\n', encoding="utf-8")
    assert main(["backtest", str(path), "--draws", "200"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if "\u2502" in line and "note=" in line]  # the grid table
    assert len(rows) == 2 and all(row.startswith("two\\nlines [drivers[growth].note=") and " r20" in row
                                  for row in rows), out                  # name and run id on one row
    assert "f\\nile.yaml" in out and "lines" not in out.replace("two\\nlines", "")
    assert main(["runs", "list", "--format", "json"]) == 0
    ids = [r["id"] for r in json.loads(capsys.readouterr().out)]
    assert main(["runs", "show", ids[0]]) == 0
    out = capsys.readouterr().out
    assert "lines" not in out.replace("two\\nlines", "") and "\t" not in out, out
    assert main(["runs", "compare", *ids]) == 0
    out = capsys.readouterr().out
    (row,) = [line for line in out.splitlines() if line.startswith("grid point")]
    assert "drivers[growth].note=c\\td" in row and "drivers[growth].note=a\\nb" in row, out


def test_a_claims_paraphrase_with_a_newline_stays_on_its_row(tmp_path, capsys, monkeypatch, snapshot_dir) -> None:
    r"""``claims list`` and ``claims check`` show a claim's text on its row: a newline or tab in
    the paraphrase or in what the article said shows as ``\n`` / ``\t`` (they used to start a
    second row of the table)."""
    monkeypatch.setenv("COLUMNS", "300")                                   # no cell is folded
    claims = tmp_path / "claims.yaml"
    claims.write_text(
        "version: 1\nclaims:\n  - id: a000-tencent-jan-high\n    article: 000_a7fbbc5f650d9614.txt\n"
        '    kind: price_level\n    symbols: ["0700.HK"]\n    window: {start: 2026-01-02, end: 2026-01-30}\n'
        "    stat: max\n    field: high\n    comparator: about\n    value: 639\n    unit: HKD\n"
        '    paraphrase: "Tencent peaked\\nforged row\\tnear HKD 639 in January 2026."\n', encoding="utf-8")
    assert main(["claims", "list", str(claims)]) == 0
    out = capsys.readouterr().out
    (row,) = [line for line in out.splitlines() if line.startswith("a000-tencent-jan-high")]
    assert "Tencent peaked\\nforged row\\tnear" in row and "\t" not in out, out
    assert main(["claims", "check", str(claims)]) == 0
    out = capsys.readouterr().out
    (row,) = [line for line in out.splitlines() if line.startswith("a000-tencent-jan-high")]
    assert "0700.HK about 639 HKD" in row and "confirmed" in row, out


def test_a_universe_description_or_company_name_with_a_newline_stays_on_its_row(
        tmp_path, capsys, monkeypatch) -> None:
    r"""``scenarios universe`` shows a universe's description and a company's name from
    ``$SCENARIOS_SEEDS/universes.yaml`` on their row (``\n`` shown; they used to split the row)."""
    seeds = Path(__file__).parents[2] / "seeds" / "universes.yaml"
    text = seeds.read_text(encoding="utf-8").replace(
        "description: The four US cloud and AI-capex giants that article 002 compares with Chinese platforms.",
        'description: "The four\\nUS cloud giants"'
    ).replace("{name: Tencent Holdings,", '{name: "Tencent\\tHoldings\\nforged",')
    (tmp_path / "universes.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("SCENARIOS_SEEDS", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "300")                                   # no cell is folded
    assert main(["universe"]) == 0
    out = capsys.readouterr().out
    (row,) = [line for line in out.splitlines() if line.startswith("us_hyperscalers")]
    assert "The four\\nUS cloud giants" in row and "US cloud giants" not in out.replace(row, ""), out
    assert main(["universe", "hsi_tech_heavyweights"]) == 0
    out = capsys.readouterr().out
    (row,) = [line for line in out.splitlines() if line.startswith("0700.HK")]
    assert "Tencent\\tHoldings\\nforged" in row and "\t" not in out, out
