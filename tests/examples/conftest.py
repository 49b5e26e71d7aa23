"""Fixtures for the example-scenario tests (``examples/*.yaml`` on the real snapshot).

Each example is run once per session with 10,000 draws from a plain :class:`CsvDirSource` on
the snapshot folder (no DuckDB store, no network), and the results are shared by the tests.
Helpers (paths, plain-pandas closes, plain-YAML reads) live in ``examples_helpers.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from examples_helpers import DRAWS, example_path


@pytest.fixture(scope="session")
def csv_source(snapshot_dir: Path) -> Any:
    from scenarios.data.csvdir import CsvDirSource

    return CsvDirSource(snapshot_dir)


@pytest.fixture(scope="session")
def run_example(csv_source: Any) -> Callable[[str], list[Any]]:
    """``run_example("x.yaml")`` -> one ScenarioResult per grid point (cached per session)."""
    from scenarios.engine import run_scenario
    from scenarios.model import expand_grid, load_scenario

    cache: dict[str, list[Any]] = {}

    def run(name: str) -> list[Any]:
        if name not in cache:
            scenario = load_scenario(example_path(name))
            cache[name] = [run_scenario(s, source=csv_source, draws=DRAWS, keep_draws=True)
                           for s in expand_grid(scenario)]
        return cache[name]

    return run


@pytest.fixture(scope="session")
def run_dict(csv_source: Any) -> Callable[..., Any]:
    """Run a modified copy of an example given as plain data (one scenario, no grid)."""
    from scenarios.engine import run_scenario
    from scenarios.model import scenario_from_dict

    def run(data: dict[str, Any], draws: int = 2_000) -> Any:
        scenario = scenario_from_dict(data, file="<modified example>")
        return run_scenario(scenario, source=csv_source, draws=draws, keep_draws=True)

    return run


@pytest.fixture(scope="session")
def _examples_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("examples_home")


@pytest.fixture(autouse=True)
def _shared_examples_home(_isolated_home: Path, _examples_home: Path,
                          monkeypatch: pytest.MonkeyPatch) -> Path:
    """One temporary SCENARIOS_HOME for all example tests (still never the user's cache), so the
    CLI's store is filled from the CSV folder once instead of once per test."""
    monkeypatch.setenv("SCENARIOS_HOME", str(_examples_home))
    return _examples_home
