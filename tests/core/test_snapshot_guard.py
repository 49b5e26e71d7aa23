"""A snapshot test must fail loudly, never pass or skip silently, when SCENARIOS_PRICES is set to
a folder that is not there; and it skips with a stated reason when the variable is unset."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
TARGET = "tests/data/test_csvdir.py::test_known_values"


def _pytest(env_update: dict[str, str | None], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    for key, value in env_update.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", TARGET],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_missing_snapshot_folder_fails_loudly(tmp_path: Path) -> None:
    proc = _pytest({"SCENARIOS_PRICES": str(tmp_path / "no-such-folder")}, tmp_path)
    assert proc.returncode == 1, proc.stdout[-2000:]
    assert "is set but is not a folder of price CSVs" in proc.stdout
    assert "1 failed" in proc.stdout or "1 error" in proc.stdout


def test_unset_variable_skips_with_a_reason(tmp_path: Path) -> None:
    proc = _pytest({"SCENARIOS_PRICES": None}, tmp_path)
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert "1 skipped" in proc.stdout and "SCENARIOS_PRICES is not set" in proc.stdout
