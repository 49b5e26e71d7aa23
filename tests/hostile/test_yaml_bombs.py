"""Hostile YAML (issue 16): alias bombs, recursive aliases, deep nesting and huge files are
refused by the shared loader with a located error (exit 2) for every command that reads YAML.
Times and memory are measured in ``benchmarks/yaml_bombs.py``, not here."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenarios.cli.app import main
from scenarios.errors import ScenarioError
from scenarios.yamlio import MAX_ALIAS_NODES, MAX_DEPTH, MAX_FILE_BYTES, load_yaml, parse_yaml

EXAMPLE = Path(__file__).parents[2] / "examples" / "tencent_feb_2026.yaml"


def billion_laughs(levels: int = 9) -> str:
    lines = ["a0: &a0 [" + ", ".join(["lol"] * 10) + "]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_is_a_located_error() -> None:
    with pytest.raises(ScenarioError) as info:
        parse_yaml(billion_laughs(), "bomb.yaml")
    assert info.value.file == "bomb.yaml" and info.value.line is not None
    assert f"more than {MAX_ALIAS_NODES:,} nodes" in info.value.message


def test_a_few_aliases_are_still_fine() -> None:
    # 3 levels = 1,000 leaves through aliases: a legitimate use stays under the budget
    doc = parse_yaml(billion_laughs(3), "ok.yaml")
    assert len(doc.data["a2"]) == 10 and doc.data["a2"][9][9][9] == "lol"
    # positions of values reached through an alias are those of the anchor's nodes
    assert doc.positions[("a2", 3, 4, 0)] == (1, 10)


@pytest.mark.parametrize("text, message", [
    ("loop: &l [*l]\n", "recursive alias"),
    ("m: &m {a: 1, b: [*m]}\n", "recursive alias"),
    ("a: " + "[" * 50_000 + "]" * 50_000 + "\n", f"nested deeper than {MAX_DEPTH} levels"),
    ("a: " + "{b: " * 200 + "1" + "}" * 200 + "\n", f"nested deeper than {MAX_DEPTH} levels"),
])
def test_recursion_and_depth_are_located_errors(text: str, message: str) -> None:
    with pytest.raises(ScenarioError) as info:
        parse_yaml(text, "f.yaml")
    assert message in info.value.message
    assert info.value.format().startswith("f.yaml:1:")


def test_files_over_the_size_limit_are_refused_without_reading_them_all(tmp_path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("x: " + "y" * (MAX_FILE_BYTES + 10) + "\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="too large"):
        load_yaml(big)
    with pytest.raises(ScenarioError, match="too large"):
        parse_yaml("x: " + "y" * (MAX_FILE_BYTES + 10), "s.yaml")


def _bomb_scenario(tmp_path: Path, kind: str) -> Path:
    text = {"bomb": billion_laughs(),
            "bomb-in-scenario": EXAMPLE.read_text(encoding="utf-8") + "\nnotes:\n"
            + "".join("  " + line + "\n" for line in billion_laughs().splitlines()),
            "loop": "loop: &l [*l]\n",
            "deep": "a: " + "[" * 50_000 + "]" * 50_000 + "\n"}[kind]
    path = tmp_path / f"{kind}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("kind", ["bomb", "bomb-in-scenario", "loop", "deep"])
@pytest.mark.parametrize("command", [["validate", "--no-data"], ["validate"], ["run", "--no-record"],
                                     ["backtest", "--no-record"], ["report", "--out", "{tmp}/r.html"],
                                     ["claims", "list"]])
def test_every_command_that_reads_yaml_refuses_bombs(tmp_path, capsys, monkeypatch, kind, command) -> None:
    monkeypatch.chdir(tmp_path)
    path = _bomb_scenario(tmp_path, kind)
    args = [a.replace("{tmp}", str(tmp_path)) for a in command] + [str(path.name)]
    code = main(args)
    err = capsys.readouterr().err
    assert code == 2, err
    assert f"{path.name}:" in err and "Traceback" not in err and "bug" not in err
    assert not (tmp_path / "r.html").exists()
