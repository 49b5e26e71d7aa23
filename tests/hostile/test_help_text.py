"""``--help`` prints option help as written: typer renders help as rich markup, so a bracketed
word (``narrative-scenarios[scale]``, ``drivers[growth].growth``) vanished unless escaped, and
``--workers`` told users to install the package without its Dask extra."""

from __future__ import annotations

import io
import re
from contextlib import redirect_stdout

import pytest

from scenarios.cli.app import COMMANDS, app, main, register


def _help(args: list[str]) -> str:
    buf = io.StringIO()
    with redirect_stdout(buf):
        assert main([*args, "--help"]) == 0
    return " ".join(buf.getvalue().replace("│", " ").split())


def _bracketed_words() -> list[tuple[str, str]]:
    """``(command, "word[tag]")`` for every option help that holds a bracketed lowercase tag."""
    import typer.main

    register()
    group = typer.main.get_command(app)
    out = []
    for name in COMMANDS:
        cmd = group.commands[name]  # type: ignore[attr-defined]
        for sub in getattr(cmd, "commands", {}).values() or [cmd]:
            for p in sub.params:
                for m in re.finditer(r"[\w.-]*\\?\[[a-z_]+\][\w.]*", getattr(p, "help", None) or ""):
                    path = [name] if sub is cmd else [name, sub.name]
                    out.append((" ".join(path), m.group().replace("\\[", "[")))
    return out


WORDS = _bracketed_words()


def test_the_known_cases_are_found() -> None:
    assert ("run", "narrative-scenarios[scale]") in WORDS
    assert ("sensitivity", "drivers[growth].growth") in WORDS


@pytest.mark.parametrize("command, word", WORDS)
def test_a_bracketed_word_prints_as_written(command: str, word: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")  # no wrapping inside a word
    assert word in _help(command.split())
