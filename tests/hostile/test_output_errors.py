"""File and OS errors on outputs (issue 16): exit 2 with one paragraph naming the path and the
fix, never exit 70; atomic writes; ``report --out`` needs ``--force``; grid points never share
file names; a run whose files could not be written is not recorded.

CI runs as root, so permission failures are simulated with monkeypatched OS calls."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

import pytest

from scenarios import outputs
from scenarios.cli.app import main
from scenarios.cli.run import _slug, _unique_stem
from scenarios.errors import OutputError

FIXTURE = Path(__file__).parents[1] / "model" / "fixtures" / "tencent_small.yaml"


def _deny_mkstemp(monkeypatch: pytest.MonkeyPatch, under: Path) -> None:
    """Temp files cannot be created under ``under`` (as if the folder were not writable)."""
    real = tempfile.mkstemp

    def fake(*args, **kwargs):
        folder = Path(kwargs.get("dir") or ".").resolve()
        if folder == under.resolve() or under.resolve() in folder.parents:
            raise PermissionError(errno.EACCES, "Permission denied", str(folder))
        return real(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", fake)


def _deny_mkdir(monkeypatch: pytest.MonkeyPatch, under: Path) -> None:
    real = Path.mkdir

    def fake(self, *args, **kwargs):
        if self.resolve() == under.resolve() or under.resolve() in self.resolve().parents:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", fake)


def _runs(capsys) -> list[str]:
    assert main(["runs", "list", "--format", "json"]) == 0
    import json

    return [r["id"] for r in json.loads(capsys.readouterr().out)]


# ------------------------------------------------------------------ the outputs module


def test_write_text_is_atomic_and_leaves_the_old_file_on_failure(tmp_path, monkeypatch) -> None:
    target = tmp_path / "a.txt"
    outputs.write_text(target, "old")
    assert target.read_text() == "old"

    def boom(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OutputError, match=r"cannot write .*a\.txt: the disk is full"):
        outputs.write_text(target, "new")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]  # no temp file left behind


def test_check_file_refuses_folders_existing_files_and_unwritable_places(tmp_path, monkeypatch) -> None:
    with pytest.raises(OutputError, match="is a folder: give a file name"):
        outputs.check_file(tmp_path)
    (tmp_path / "x.html").write_text("x")
    with pytest.raises(OutputError, match="exists: use --force"):
        outputs.check_file(tmp_path / "x.html")
    assert outputs.check_file(tmp_path / "x.html", force=True)
    with pytest.raises(OutputError, match="is a file, not a folder"):
        outputs.check_folder(tmp_path / "x.html")
    _deny_mkstemp(monkeypatch, tmp_path / "ro")
    (tmp_path / "ro").mkdir()
    with pytest.raises(OutputError, match=r"cannot write into the folder .*ro: permission denied"):
        outputs.check_folder(tmp_path / "ro")


# ------------------------------------------------------------------ run --out


def test_run_out_onto_an_existing_file_is_exit_2_and_nothing_recorded(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out.txt").write_text("keep me")
    code = main(["run", str(FIXTURE), "--draws", "50", "--out", "out.txt"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "--out out.txt is a file, not a folder" in err and "bug" not in err
    assert (tmp_path / "out.txt").read_text() == "keep me"
    assert _runs(capsys) == []


def test_run_out_in_an_unwritable_folder_is_exit_2_before_any_work(tmp_path, capsys, monkeypatch) -> None:
    _deny_mkstemp(monkeypatch, tmp_path / "locked")
    (tmp_path / "locked").mkdir()
    code = main(["run", str(FIXTURE), "--draws", "50", "--out", str(tmp_path / "locked")])
    err = capsys.readouterr().err
    assert code == 2, err
    assert f"cannot write into the folder {tmp_path / 'locked'}: permission denied" in err
    assert "Choose a folder you can write with --out" in err
    assert _runs(capsys) == []
    # a folder that cannot be created
    _deny_mkdir(monkeypatch, tmp_path / "nope")
    assert main(["run", str(FIXTURE), "--out", str(tmp_path / "nope" / "deeper")]) == 2
    assert "cannot create the folder" in capsys.readouterr().err


@pytest.mark.snapshot
def test_run_out_failing_mid_write_is_not_recorded(snapshot_dir, tmp_path, capsys, monkeypatch) -> None:
    real = os.replace
    calls = {"n": 0}

    def flaky(src, dst):
        calls["n"] += 1
        if str(dst).endswith(".draws.csv"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(os, "replace", flaky)
    code = main(["run", str(FIXTURE), "--draws", "50", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and "the disk is full" in err and "draws.csv" in err
    assert _runs(capsys) == []


@pytest.mark.snapshot
def test_run_json_says_where_the_files_went(snapshot_dir, tmp_path, capsys) -> None:
    assert main(["run", str(FIXTURE), "--draws", "50", "--format", "json", "--out", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert out.lstrip().startswith("{")
    for suffix in (".json", ".csv", ".draws.csv"):
        assert f"wrote {tmp_path / ('tencent-vat-rumour' + suffix)}" in err


def test_grid_points_never_share_file_names() -> None:
    long = "x" * 130
    names = [f"{long} [a=1]", f"{long} [a=2]", "a/b", "a b", "a-b", "A-B"]
    used: set[str] = set()
    stems = [_unique_stem(n, used) for n in names]
    assert len({s.lower() for s in stems}) == len(names)
    assert all(len(s) <= 120 for s in stems)
    assert _slug(f"{long} [a=1]") != _slug(f"{long} [a=2]")  # the hash tells them apart


# ------------------------------------------------------------------ report / new


def test_report_out_onto_a_folder_or_existing_file(tmp_path, capsys) -> None:
    example = Path(__file__).parents[2] / "examples" / "tencent_feb_2026.yaml"
    assert main(["report", str(example), "--out", str(tmp_path)]) == 2
    assert f"--out {tmp_path} is a folder" in capsys.readouterr().err
    existing = tmp_path / "r.html"
    existing.write_text("mine")
    assert main(["report", str(example), "--out", str(existing)]) == 2
    assert "exists: use --force" in capsys.readouterr().err
    assert existing.read_text() == "mine"


def test_report_png_and_out_in_unwritable_folders(tmp_path, capsys, monkeypatch) -> None:
    example = Path(__file__).parents[2] / "examples" / "tencent_feb_2026.yaml"
    (tmp_path / "locked").mkdir()
    _deny_mkstemp(monkeypatch, tmp_path / "locked")
    assert main(["report", str(example), "--out", str(tmp_path / "locked" / "r.html")]) == 2
    assert "cannot write into the folder" in capsys.readouterr().err
    assert main(["report", str(example), "--out", str(tmp_path / "r.html"),
                 "--png", str(tmp_path / "locked")]) == 2
    err = capsys.readouterr().err
    assert "Choose a folder you can write with --png" in err
    assert not (tmp_path / "r.html").exists()


def test_new_out_in_an_unwritable_folder(tmp_path, capsys, monkeypatch) -> None:
    (tmp_path / "locked").mkdir()
    _deny_mkstemp(monkeypatch, tmp_path / "locked")
    assert main(["new", "capex", "--out", str(tmp_path / "locked" / "c.yaml")]) == 2
    assert "permission denied" in capsys.readouterr().err


# ------------------------------------------------------------------ SCENARIOS_HOME


@pytest.mark.snapshot
def test_unwritable_scenarios_home_is_a_store_error(snapshot_dir, tmp_path, capsys, monkeypatch) -> None:
    home = tmp_path / "parent" / "home"
    monkeypatch.setenv("SCENARIOS_HOME", str(home))
    _deny_mkdir(monkeypatch, tmp_path / "parent")
    code = main(["run", str(FIXTURE), "--draws", "50"])
    err = capsys.readouterr().err
    assert code == 5, err
    assert f"cannot create the store folder {home}" in err and "SCENARIOS_HOME" in err
    assert "NOT recorded" in err
    assert main(["run", str(FIXTURE), "--draws", "50", "--no-record"]) == 0


@pytest.mark.snapshot
def test_grid_points_with_a_long_name_write_distinct_files(snapshot_dir, tmp_path, capsys) -> None:
    text = FIXTURE.read_text(encoding="utf-8").replace("name: tencent-vat-rumour", "name: " + "n" * 150)
    text += "grid:\n  drivers[capex].useful_life_years: [3, 4, 5]\n"
    path = tmp_path / "g.yaml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(path), "--draws", "50", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    files = sorted(p.name for p in out.iterdir())
    assert len(files) == 9 and len({f.split(".")[0] for f in files}) == 3, files
    for f in files:
        assert f"wrote {out / f}" in printed.replace("\n", "")


@pytest.mark.parametrize("args, names", [
    (["run", str(FIXTURE), "--no-record", "--out", ""], "'--out'"),
    (["run", ""], "'FILE'"),
    (["validate", str(FIXTURE), ""], "'FILE...'"),
    (["run", str(FIXTURE), "--no-record", "--allow-path", ""], "'--allow-path'"),
    (["backtest", ""], "'FILE'"),
    (["sweep", ""], "'FILE'"),
    (["sensitivity", ""], "'FILE'"),
    (["backtest", str(FIXTURE), "--no-record", "--format", "xlsx", "--out", ""], "'--out'"),
    (["sensitivity", str(FIXTURE), "--out", ""], "'--out'"),
    (["report", str(FIXTURE), "--out", ""], "'--out'"),
    (["report", str(FIXTURE), "--png", ""], "'--png'"),
    (["new", "capex", "--out", ""], "'--out'"),
    (["data", "import", ""], "'folder'"),
    (["data", "check", "--dir", ""], "'--dir'"),
    (["claims", "check", ""], "'path'"),
    (["claims", "list", ""], "'path'"),
    (["report", ""], "'RUN_ID|FILE'"),
])
def test_an_empty_path_is_a_usage_error_not_the_current_folder(args, names, tmp_path, monkeypatch, capsys) -> None:
    """``Path("")`` is ``.``: an unset shell variable must not make a command write into (or read)
    the current folder. Exit 2, naming the option or argument; nothing written."""
    (tmp_path / "a.csv").write_text("date,close\n2025-01-02,1\n")  # what `data import ""` would take
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "an empty path" in err and names in err
    assert sorted(p.name for p in tmp_path.iterdir()) == before
