"""Hostile CSV folders for ``data check --dir``: a last row shaped like a date that is not one
(2004-02-30) was exit 70 (pandas DateParseError in the tail read); a --dir with no CSV files said
the store was empty and SCENARIOS_PRICES unset, and told the user to pass the --dir they passed."""

from __future__ import annotations

from pathlib import Path

from scenarios.cli.app import main
from scenarios.data.csvdir import CsvDirSource

HEADER = "date,open,high,low,close,volume,dividends,splits\n"


def _write(folder: Path, rows: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "AAA.csv").write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return folder


def test_a_last_row_with_an_impossible_date(tmp_path, capsys) -> None:
    folder = _write(tmp_path / "p", ["2004-06-16,1,1,1,1,10,0,0", "2004-02-30,1,1,1,1,10,0,0"])
    assert CsvDirSource(folder).last_date("AAA") is None
    assert main(["data", "check", "--dir", str(folder)]) == 1
    out = capsys.readouterr()
    assert "bug" not in out.err
    assert "2004-02-30" in out.out and "AAA.csv:3" in out.out


def test_a_dir_without_csv_files_says_so(tmp_path, capsys) -> None:
    folder = tmp_path / "nothing"
    (folder / "AAA.csv").mkdir(parents=True)  # a folder named like a CSV file is not one
    assert main(["data", "check", "--dir", str(folder)]) == 3
    err = capsys.readouterr().err
    assert f"--dir {folder} holds no price CSV files" in err, err
    assert "SCENARIOS_PRICES is not set" not in err
