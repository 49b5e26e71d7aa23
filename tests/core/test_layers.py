"""The import layers of ``[tool.importlinter]`` in pyproject.toml hold, and cover every module.

``lint-imports`` is the check (README command 2 runs it before pytest); this test runs it too, so
a plain ``pytest`` shows a broken layer, and it makes sure that no top-level module of
``scenarios`` escapes the layers contract (a new module must be given its floor).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _contracts() -> dict[str, dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return {c["id"]: c for c in config["contracts"]}


def _layer_modules() -> list[str]:
    names: list[str] = []
    for layer in _contracts()["layers"]["layers"]:
        names += [m.strip() for m in layer.split("|")]
    return names


def test_every_top_level_module_of_scenarios_sits_on_one_layer() -> None:
    pkg = ROOT / "scenarios"
    top = {f"scenarios.{p.stem}" for p in pkg.glob("*.py") if p.stem != "__init__"}
    top |= {f"scenarios.{p.parent.name}" for p in pkg.glob("*/__init__.py")}
    listed = _layer_modules()
    assert len(listed) == len(set(listed)), "a module is on two layers"
    missing = sorted(top - set(listed))
    assert not missing, f"give these modules a layer in [tool.importlinter] of pyproject.toml: {missing}"
    stale = sorted(m for m in set(listed) - top if m.startswith("scenarios."))
    assert not stale, f"layers name modules that do not exist: {stale}"


def test_valuation_is_the_floor_and_forbidden_to_import_scenarios() -> None:
    contracts = _contracts()
    assert contracts["layers"]["layers"][-1] == "valuation"
    assert contracts["valuation-pure"]["source_modules"] == ["valuation"]
    assert contracts["valuation-pure"]["forbidden_modules"] == ["scenarios"]


def test_lint_imports_keeps_every_contract() -> None:
    exe = shutil.which("lint-imports")
    if exe is None:  # the test extra installs it; without it the check cannot run here
        pytest.fail("lint-imports not found: install the test extra (pip install -e '.[test]')")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run([exe, "--no-cache"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "0 broken" in proc.stdout


def test_module_map_in_architecture_doc_is_generated_from_the_code() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("gen_module_docs", ROOT / "scripts" / "gen_module_docs.py")
    assert spec is not None and spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert gen.render(text) == text, "run python scripts/gen_module_docs.py"
    modules = (ROOT / "scenarios").rglob("*.py")
    for path in sorted(p for p in modules if p.parent != ROOT / "scenarios" or p.name != "__init__.py"):
        assert f"`{path.relative_to(ROOT).as_posix()}`" in text, path
