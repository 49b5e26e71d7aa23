"""Located YAML loading and pydantic error translation (shared by every input file)."""

from __future__ import annotations

from typing import Annotated, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from scenarios.errors import ScenarioError, ScenarioErrors
from scenarios.yamlio import format_path, load_yaml, parse_yaml, validation_errors


class _Capex(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["ai_capex"]
    useful_life_years: float = Field(gt=0)


class _Subsidy(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["subsidy"]
    amount: float


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    drivers: list[Annotated[_Capex | _Subsidy, Field(discriminator="type")]]


TEXT = """name: x
drivers:
  - type: subsidy
    amount: 3
  - type: ai_capex
    useful_life_years: -3
  - type: subsidy
    amont: 1
  - type: bogus
"""


def _errors(text: str) -> list[str]:
    doc = parse_yaml(text, "examples/capex.yaml")
    with pytest.raises(ValidationError) as info:
        _Doc.model_validate(doc.data)
    return [e.format() for e in validation_errors(info.value, doc).errors]


def test_errors_name_file_line_column_field_and_expectation() -> None:
    assert _errors(TEXT) == [
        "examples/capex.yaml:6:24 drivers[1].useful_life_years: must be > 0 (got -3)",
        "examples/capex.yaml:7:5 drivers[2].amount: is required but missing",
        "examples/capex.yaml:8:5 drivers[2].amont: unknown field (check the spelling; unknown keys are rejected)",
        "examples/capex.yaml:9:5 drivers[3]: unknown type 'bogus' (expected one of 'ai_capex', 'subsidy')",
    ]


def test_duplicate_keys_are_rejected_with_their_position() -> None:
    with pytest.raises(ScenarioError) as info:
        parse_yaml("a: 1\nb:\n  c: 2\n  c: 3\n", "f.yaml")
    assert str(info.value) == "f.yaml:4:3 b.c: duplicate key 'c' (a key may appear once per mapping)"


def test_syntax_error_is_located() -> None:
    with pytest.raises(ScenarioError) as info:
        parse_yaml("a: [1, 2\nb: 3\n", "f.yaml")
    assert info.value.file == "f.yaml" and info.value.line == 2
    assert "invalid YAML" in info.value.message


def test_empty_and_missing_files(tmp_path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("# only a comment\n")
    with pytest.raises(ScenarioError, match="empty"):
        load_yaml(empty)
    with pytest.raises(ScenarioError, match="file not found"):
        load_yaml(tmp_path / "nope.yaml")


def test_positions_and_values_round_trip() -> None:
    doc = parse_yaml("a:\n  - 1\n  - {b: 2025-02-13}\n", "f.yaml")
    import datetime as dt

    assert doc.data == {"a": [1, {"b": dt.date(2025, 2, 13)}]}
    assert doc.locate(("a", 1, "b")) == (3, 9)  # column of the value
    assert doc.locate(("a", 1, "zz")) == (3, 5)  # falls back to the nearest ancestor
    assert format_path(("a", 1, "b")) == "a[1].b"


def test_scenario_errors_joins_messages() -> None:
    errs = ScenarioErrors([ScenarioError("x", file="f", line=1, column=2, field="a"),
                           ScenarioError("y", file="f", line=3, column=4, field="b")])
    assert str(errs) == "f:1:2 a: x\nf:3:4 b: y"


@pytest.mark.parametrize("text, line, column", [
    ("name: a\x07b\n", 1, 8),                        # BEL inside a value
    ("name: x\ndrivers:\n  - \x1b[31m\n", 3, 5),     # a raw ESC on line 3
    ("\x00", 1, 1),                                  # NUL as the very first character
    ("a: 1\r\nb: \x7f\n", 2, 4),                    # DEL after a CRLF line end
])
def test_raw_control_character_is_located(tmp_path, text: str, line: int, column: int) -> None:
    """PyYAML's reader error says only "position N"; it is reported as file:line:col."""
    f = tmp_path / "ctl.yaml"
    f.write_text(text, encoding="utf-8", newline="")
    with pytest.raises(ScenarioError) as info:
        load_yaml(f)
    msg = str(info.value)
    assert msg.startswith(f"{f}:{line}:{column}: invalid YAML: unacceptable character #x"), msg
    assert "position" not in msg and "\n" not in msg
    assert (info.value.line, info.value.column) == (line, column)
