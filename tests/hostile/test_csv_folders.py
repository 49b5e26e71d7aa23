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


def test_csv_entries_that_are_not_read_are_named(tmp_path, capsys) -> None:
    """``data import`` / ``data check --dir`` used to import fewer series than the folder's .csv
    entries without a word: folders, links to nothing, hidden files, names that are no symbol."""
    import os

    from scenarios.cli.app import main

    folder = tmp_path / "prices"
    folder.mkdir()
    good = "date,open,high,low,close,volume,dividends,splits\n2025-01-02,1,1,1,1,100,0,0\n2025-01-03,1,1,1,1,100,0,0\n"
    (folder / "0700.HK.csv").write_text(good)
    (folder / "X.csv").mkdir()
    os.symlink(tmp_path / "nowhere.csv", folder / "Y.csv")
    (folder / " .csv").write_text(good)
    (folder / "A\nC.csv").write_text(good)   # was imported as the symbol "A<newline>C"
    (folder / "MS FT.csv").write_text(good)    # an odd name, but printable: read as before
    (folder / "._0700.HK.csv").write_text(good)
    (folder / "notes.txt").write_text("not a price file")
    for args in (["data", "import", str(folder)], ["data", "check", "--dir", str(folder)]):
        assert main(args) == 0
        err = capsys.readouterr().err
        assert "not read (5):" in err and "MS FT" not in err
        for name, why in (('" .csv"', "not a symbol"), ('"._0700.HK.csv"', "hidden"),
                          ('"A\\nC.csv"', "not a symbol"),
                          ('"X.csv"', "a folder"), ('"Y.csv"', "a link to nothing")):
            assert f"{name} (" in err and why in err
        assert "notes.txt" not in err


def test_a_header_only_file_is_an_empty_series_not_clean(tmp_path, capsys) -> None:
    """A CSV with a header and no rows was reported clean (and an unreadable file showed today's
    date as its span): both are problems of the whole series, at no date."""
    import json

    from scenarios.cli.app import main

    folder = tmp_path / "prices"
    folder.mkdir()
    (folder / "0700.HK.csv").write_text("date,open,high,low,close,volume,dividends,splits\n")
    (folder / "9988.HK.csv").write_text("date,close\nnot a date,1\n")
    code = main(["data", "check", "--dir", str(folder), "--format", "json"])
    reports = {r["symbol"]: r for r in json.loads(capsys.readouterr().out)}
    assert code != 0
    empty = reports["0700.HK"]["issues"]
    assert [(i["check"], i["severity"], i["first"], i["last"]) for i in empty] == [("empty", "error", None, None)]
    bad = reports["9988.HK"]["issues"]
    assert [(i["check"], i["first"], i["last"]) for i in bad] == [("unreadable", None, None)]
    main(["data", "check", "--dir", str(folder)])
    out = capsys.readouterr().out
    assert "the series has no rows" in out and "0 clean" in out
