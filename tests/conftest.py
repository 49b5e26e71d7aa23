"""Shared fixtures.

The real price snapshot is found through ``SCENARIOS_PRICES`` (``.ci/run`` points it at
``../shared/hkdata/prices``). Tests that need it use the ``snapshot_dir`` fixture:

* variable unset  -> the test is skipped, with the reason printed (``-ra``);
* variable set but the folder is missing or empty -> the test FAILS loudly.

Every test gets its own ``SCENARIOS_HOME`` (so the DuckDB store lives in a temp folder and
never touches the user's cache) and has the network blocked for yfinance.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# CI runs are reproducible: hypothesis derives its examples from each test, not from a random
# seed, so a red CI is never a one-off draw (locally the random search keeps exploring).
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

REPO_ROOT = Path(__file__).resolve().parents[1]

# The README runs the tests with a relative SCENARIOS_PRICES; make it absolute once so that
# tests which change directory (or spawn processes) still find the snapshot.
if os.environ.get("SCENARIOS_PRICES"):
    os.environ["SCENARIOS_PRICES"] = str(Path(os.environ["SCENARIOS_PRICES"]).expanduser().resolve())


def _snapshot_dir() -> Path | None:
    value = os.environ.get("SCENARIOS_PRICES")
    if not value:
        return None
    path = Path(value)
    if not path.is_dir() or not any(path.glob("*.csv")):
        pytest.fail(
            f"SCENARIOS_PRICES={value!r} is set but is not a folder of price CSVs; "
            "the snapshot tests cannot run (point it at shared/hkdata/prices)",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="session")
def snapshot_dir() -> Path:
    """Folder of the real price snapshot (one CSV per symbol)."""
    path = _snapshot_dir()
    if path is None:
        pytest.skip("SCENARIOS_PRICES is not set: snapshot tests need the real price folder")
    return path


@pytest.fixture(scope="session")
def reference_dir(snapshot_dir: Path) -> Path:
    """``shared/hkdata/reference`` beside the snapshot's ``prices`` folder."""
    ref = snapshot_dir.parent / "reference"
    if not ref.is_dir():
        pytest.fail(f"reference tables not found beside the snapshot: {ref}", pytrace=False)
    return ref


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("scenarios_home")
    monkeypatch.setenv("SCENARIOS_HOME", str(home))
    monkeypatch.setenv("SCENARIOS_OFFLINE", "1")  # never let a test reach for Yahoo
    return home
