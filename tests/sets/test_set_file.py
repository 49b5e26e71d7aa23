"""The set file: located errors for probabilities, paths, as_of and horizon; a valid set loads."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from set_helpers import component

from scenarios.errors import ScenarioErrors
from scenarios.sets import is_set_file, load_set


def _errors(path: Path) -> list[str]:
    with pytest.raises(ScenarioErrors) as exc:
        load_set(path)
    return [e.format() for e in exc.value.errors]


def test_a_valid_set_loads_with_the_components_dates(make_set) -> None:
    path = make_set([(component("a", 0.1), 0.1), (component("b", 0.0), 0.2), (component("c", -0.1), 0.7)])
    s = load_set(path)
    assert is_set_file(path)
    assert [c.label for c in s.components] == ["a", "b", "c"]
    assert s.probabilities == [0.1, 0.2, 0.7]  # sums to 0.9999999999999999 in floats: accepted
    assert str(s.as_of) == "2025-06-30" and str(s.horizon) == "2025-12-31"


def test_probabilities_not_summing_to_one_is_located(make_set) -> None:
    path = make_set([(component("a", 0.1), 0.5), (component("b", 0.0), 0.4)])
    errs = _errors(path)
    assert len(errs) == 1
    line = next(i for i, t in enumerate(path.read_text().splitlines(), 1) if t.startswith("components:"))
    assert errs[0].startswith(f"{path}:{line}:")
    assert "components" in errs[0] and "sum to 1" in errs[0] and "0.9" in errs[0]


def test_a_probability_outside_0_1_is_located(make_set) -> None:
    path = make_set([(component("a", 0.1), 1.5), (component("b", 0.0), -0.5)])
    errs = _errors(path)
    assert any("components[0].probability" in e for e in errs)
    assert any("components[1].probability" in e for e in errs)
    path = make_set([(component("a", 0.1), True)])
    assert "components[0].probability" in _errors(path)[0]


def test_a_component_outside_the_set_folder_is_refused(make_set, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text(yaml.safe_dump(component("x", 0.1)), encoding="utf-8")
    sub = tmp_path / "sets"
    path = make_set([(component("a", 0.1), 1.0)], folder=sub)
    doc = yaml.safe_load(path.read_text())
    doc["components"][0]["file"] = "../elsewhere.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    errs = _errors(path)
    assert len(errs) == 1 and "components[0].file" in errs[0] and "outside the folder" in errs[0]


def test_missing_component_file_is_located(make_set) -> None:
    path = make_set([(component("a", 0.1), 1.0)])
    doc = yaml.safe_load(path.read_text())
    doc["components"][0]["file"] = "nope.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    errs = _errors(path)
    assert "components[0].file" in errs[0] and "file not found: nope.yaml" in errs[0]


def test_components_must_share_as_of_and_horizon(make_set) -> None:
    path = make_set([(component("a", 0.1), 0.5), (component("b", 0.0, as_of="2025-05-30"), 0.3),
                     (component("c", 0.0, horizon="3M"), 0.2)])
    errs = _errors(path)
    assert len(errs) == 2
    assert "components[1].file" in errs[0] and "as_of" in errs[0]
    assert "components[2].file" in errs[1] and "horizon" in errs[1]


def test_the_sets_own_as_of_and_horizon_bind_the_components(make_set) -> None:
    path = make_set([(component("a", 0.1), 1.0)], extra={"as_of": "2025-06-30", "horizon": "2025-12-31"})
    assert str(load_set(path).horizon) == "2025-12-31"
    path = make_set([(component("a", 0.1), 1.0)], extra={"horizon": "3M"})
    errs = _errors(path)
    assert "components[0].file" in errs[0] and "2025-12-31" in errs[0] and "2025-09-30" in errs[0]


def test_an_unknown_key_is_located(make_set) -> None:
    path = make_set([(component("a", 0.1), 1.0)], extra={"colour": "red"})
    errs = _errors(path)
    assert any("colour" in e and e.startswith(str(path)) for e in errs)


def test_a_components_own_error_names_the_component_file(make_set) -> None:
    bad = component("a", 0.1)
    bad["drivers"][0]["growth"] = "fast"
    path = make_set([(bad, 0.5), (component("b", 0.0), 0.5)])
    errs = _errors(path)
    assert errs and all(e.startswith(str(path.parent / "a.yaml")) for e in errs)
    assert any("growth" in e for e in errs)
