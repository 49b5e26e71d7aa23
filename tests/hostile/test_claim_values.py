"""Claim values and tolerances must be finite: ``value: .inf`` with ``comparator: about`` was
judged *confirmed* against any price, ``value: .nan`` contradicted with a gap of ``+nan%``, a
tolerance of ``.inf`` confirmed every claim, and ``--format json`` printed NaN/Infinity (not JSON).
Each is now an input error at its line (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenarios.cli.app import main
from scenarios.errors import ScenarioErrors
from scenarios.seeds.claims import load_claims

CLAIM = """version: 1
claims:
  - id: a000-x-one
    article: 000_a7fbbc5f650d9614.txt
    kind: price_level
    symbols: ["0700.HK"]
    window: {start: 2026-01-02, end: 2026-01-30}
    stat: max
    field: high
    comparator: COMPARATOR
    value: VALUE
    unit: HKD
    paraphrase: Tencent peaked near this level in January.
"""


def _file(tmp_path: Path, value: str, comparator: str = "about", extra: str = "") -> Path:
    path = tmp_path / "claims.yaml"
    path.write_text(CLAIM.replace("VALUE", value).replace("COMPARATOR", comparator) + extra, encoding="utf-8")
    return path


@pytest.mark.parametrize(("value", "comparator", "message"), [
    (".inf", "about", "claims[0].value: comparator about needs a finite number (got inf)"),
    ("-.inf", "over", "claims[0].value: comparator over needs a finite number (got -inf)"),
    (".nan", "under", "claims[0].value: comparator under needs a finite number (got nan)"),
    ("1e400", "about", "claims[0].value: comparator about needs a finite number (got inf)"),
    ("[1, .inf]", "between", "claims[0].value: comparator between needs finite numbers (got [1, inf])"),
    ("[.nan, 5]", "between", "claims[0].value: comparator between needs finite numbers (got [nan, 5])"),
])
def test_non_finite_values_are_rejected(tmp_path, value, comparator, message) -> None:
    path = _file(tmp_path, value, comparator)
    with pytest.raises(ScenarioErrors) as info:
        load_claims(path)
    assert [e.format() for e in info.value.errors] == [f"{path}:11:12 {message}"]


def test_an_infinite_tolerance_is_rejected(tmp_path, capsys) -> None:
    path = _file(tmp_path, "1", extra="    tolerance: {confirmed: .inf, approximately: .inf}\n")
    assert main(["claims", "check", str(path), "--format", "json"]) == 2
    err = capsys.readouterr().err
    assert "claims[0].tolerance.confirmed: input should be a finite number (got inf)" in err, err


def test_a_finite_value_is_still_checked(tmp_path, capsys) -> None:
    assert main(["claims", "list", str(_file(tmp_path, "639"))]) == 0
    assert "a000-x-one" in capsys.readouterr().out


@pytest.mark.parametrize(("value", "comparator"), [("1" + "0" * 400, "about"), ("[1, 1" + "0" * 400 + "]", "between")])
def test_an_integer_no_float_can_hold_is_rejected(tmp_path, capsys, value, comparator) -> None:
    """``math.isfinite(10**400)`` raises OverflowError: that was exit 70 in claims list/check."""
    assert main(["claims", "list", str(_file(tmp_path, value, comparator))]) == 2
    err = capsys.readouterr().err
    assert "claims[0].value: comparator" in err and "finite" in err
