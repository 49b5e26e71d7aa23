"""The seed loader's cache key: one per file, whatever the spelling, and never another file's."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scenarios.seeds.base import StrictModel, clear_cache, load_model


class _Tiny(StrictModel):
    value: int


def test_a_relative_spelling_follows_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clear_cache()
    for name, value in (("a", 1), ("b", 2)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "tiny.yaml").write_text(f"value: {value}\n", encoding="utf-8")
        os.utime(tmp_path / name / "tiny.yaml", ns=(1_700_000_000_000_000_000,) * 2)  # same stamp
    monkeypatch.chdir(tmp_path / "a")
    assert load_model("tiny.yaml", "tiny.yaml", _Tiny).value == 1
    monkeypatch.chdir(tmp_path / "b")  # the same spelling is another file now
    assert load_model("tiny.yaml", "tiny.yaml", _Tiny).value == 2
    # the absolute spelling of a file shares the relative one's entry: the same object
    assert load_model(tmp_path / "b" / "tiny.yaml", "tiny.yaml", _Tiny) is load_model("tiny.yaml", "tiny.yaml", _Tiny)
    monkeypatch.chdir(tmp_path / "a")
    assert load_model("tiny.yaml", "tiny.yaml", _Tiny).value == 1
