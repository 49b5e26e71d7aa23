"""Fuzz ``scenarios validate`` over every example (issue 16): delete, duplicate or retype a
key, insert anchors and aliases, replace a scalar with junk, truncate the file. Every case
exits 0 or 2 (never 70) and never prints a traceback. Times per case: see
``benchmarks/yaml_bombs.py`` (the loader) — this is a correctness test, not a timed one."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scenarios.cli.app import main

ROOT = Path(__file__).parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml")) + sorted((ROOT / "scenarios" / "templates").glob("*.yaml"))

JUNK = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["1.0e9", "1e300", "-1e-300", ".nan", ".inf", "-.inf", "true", "null", "~", "0x1F",
                     "2025-13-45", "2025-02-30", "9999-12-31", "0001-01-01", "100Y", "0D", "-6M", "[]",
                     "{}", "!!binary aGk=", "!!python/object:os.system x", "&a x", "*nope", "'", "\"",
                     ":100:", "[bold]x[/bold]", "\x1b[31m", "<!--<script>", "ZZZZ9.HK", "%", "50%"]),
    st.integers(min_value=-10**12, max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.sampled_from(["dist", "low", "high", "mean", "sd", "x"]), st.integers(), max_size=3),
)


def _paths(data: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix] if prefix else []
    if isinstance(data, dict):
        for k, v in data.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _paths(v, prefix + (i,))
    return out


def _parent(data: Any, path: tuple) -> Any:
    for p in path[:-1]:
        data = data[p]
    return data


@st.composite
def mutated(draw: st.DrawFn, text: str) -> str:
    kind = draw(st.sampled_from(["delete", "retype", "junk", "duplicate", "alias", "truncate", "lines"]))
    if kind == "truncate":
        return text[: draw(st.integers(0, len(text)))]
    lines = text.splitlines(keepends=True)
    if kind == "duplicate":  # a key repeated (duplicate key error, or a bad indent)
        i = draw(st.integers(0, len(lines) - 1))
        return "".join(lines[: i + 1] + [lines[i]] + lines[i + 1:])
    if kind == "lines":  # a line deleted or swapped
        i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
        lines[i], lines[j] = lines[j], lines[i]
        if draw(st.booleans()):
            del lines[i]
        return "".join(lines)
    data = yaml.safe_load(text)
    paths = _paths(data)
    path = draw(st.sampled_from(paths))
    parent = _parent(data, path)
    if kind == "delete":
        del parent[path[-1]]
    elif kind == "retype":
        value = parent[path[-1]]
        parent[path[-1]] = draw(st.sampled_from([[value], {"value": value}, str(value), 1, True, None]))
    elif kind == "junk":
        parent[path[-1]] = draw(JUNK)
    elif kind == "alias":  # the same object at two places: the dumper writes &id001 / *id001
        value = parent[path[-1]]
        shared = value if isinstance(value, (list, dict)) else [value]
        if draw(st.booleans()):  # and maybe inside itself: a recursive alias
            if isinstance(shared, list):
                shared.append(shared)
            else:
                shared["self"] = shared
        parent[path[-1]] = shared
        path2 = draw(st.sampled_from(paths))
        parent2 = _parent(data, path2)
        try:
            parent2[path2[-1]] = shared
        except (IndexError, KeyError, TypeError):  # path2 went away with the first edit
            data["x-alias"] = shared
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
@settings(max_examples=int(os.environ.get("SCENARIOS_FUZZ_EXAMPLES", "15")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(data=st.data())
def test_validate_never_crashes_on_mutated_examples(example: Path, data: st.DataObject, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    text = example.read_text(encoding="utf-8")
    case = data.draw(mutated(text))
    path = tmp_path / example.name
    path.write_text(case, encoding="utf-8")
    with_data = data.draw(st.booleans()) and bool(os.environ.get("SCENARIOS_PRICES"))
    code = main(["validate", *([] if with_data else ["--no-data"]), str(path)])
    out, err = capsys.readouterr()
    assert code in (0, 2), f"exit {code}\n{err}\n--- case ---\n{case}"
    assert "Traceback" not in err and "This is a bug" not in err, err
    if code == 2:
        assert f"{path}" in err, err  # every error names the file
