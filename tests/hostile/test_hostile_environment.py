"""Environment and settings a sweep found reaching exit 70 ("a bug"): each is now a clear error.

A store path that is not UTF-8 (DuckDB's bare ``RuntimeError``), ``~unknownuser`` paths
(``Path.expanduser``'s ``RuntimeError``), a symlink loop in a seeds folder (``Path.resolve``'s
``RuntimeError``), reporting lags so long the known-from dates left the calendar, a local Dask
cluster that cannot start (a bad ``DASK_*`` setting), matplotlib settings that stop its import,
and a console whose encoding lacks a scenario name's characters.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios.errors import StoreError

ROOT = Path(__file__).resolve().parents[2]
UNKNOWN = "~no_such_user_of_this_machine_3f9a"


def test_an_unknown_users_home_is_left_as_written_like_a_shell_does(monkeypatch: pytest.MonkeyPatch) -> None:
    from scenarios.paths import expand, home

    assert expand(f"{UNKNOWN}/prices") == Path(f"{UNKNOWN}/prices")
    monkeypatch.setenv("SCENARIOS_HOME", f"{UNKNOWN}/home")
    assert home() == Path(f"{UNKNOWN}/home")
    monkeypatch.setenv("HOME", "/tmp/somebody")
    assert expand("~/x") == Path("/tmp/somebody/x")  # what can be expanded still is


def test_an_unknown_users_price_folder_is_a_missing_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from scenarios.data import CsvDirSource
    from scenarios.errors import DataUnavailableError

    with pytest.raises(DataUnavailableError, match="does not exist"):
        CsvDirSource(f"{UNKNOWN}/prices")


@pytest.mark.parametrize("blank", ["", " ", "  \t", "\n"])
def test_a_blank_path_variable_is_unset_not_a_folder_of_spaces(blank: str, monkeypatch: pytest.MonkeyPatch,
                                                                tmp_path: Path) -> None:
    """``SCENARIOS_HOME=" "`` used to create a folder named by a space in the current folder."""
    from scenarios.data.fundamentals.resolver import fundamentals_folder
    from scenarios.paths import env_path, home
    from scenarios.recon.reference import _default_reference_dir
    from scenarios.seeds.base import seeds_dir

    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    monkeypatch.delenv("SCENARIOS_SEEDS", raising=False)
    default_seeds = seeds_dir()
    for name in ("SCENARIOS_HOME", "SCENARIOS_PRICES", "SCENARIOS_SEEDS", "SCENARIOS_FUNDAMENTALS"):
        monkeypatch.setenv(name, blank)
        assert env_path(name) is None
    assert home() == tmp_path / "user" / ".cache" / "narrative-scenarios"
    assert fundamentals_folder() is None and _default_reference_dir() is None
    assert seeds_dir() == default_seeds
    monkeypatch.setenv("SCENARIOS_HOME", " lead and trail ")   # a real (odd) name is kept as written
    assert home() == Path(" lead and trail ")


def test_a_symlink_loop_is_named_as_written(tmp_path: Path) -> None:
    from scenarios.seeds.base import display_name

    a, b = tmp_path / "loopa", tmp_path / "loopb"
    a.symlink_to(b)
    b.symlink_to(a)
    assert display_name(a) == str(a)


def test_a_store_path_that_is_not_utf8_is_a_store_error(tmp_path: Path) -> None:
    from scenarios.store.db import connect

    odd = tmp_path / os.fsdecode(b"\xff\xfe") / "store.duckdb"
    with pytest.raises(StoreError, match="not valid UTF-8.*SCENARIOS_HOME"):
        connect(odd)
    with pytest.raises(StoreError, match="not valid UTF-8"):
        connect(odd, read_only=True)


@pytest.mark.parametrize("text", ["121M", "3661D", "99999999999D", "999999M"])
def test_a_lag_of_more_than_ten_years_is_refused(text: str) -> None:
    from scenarios.data.fundamentals.lags import ReportingLags

    with pytest.raises(ValueError, match="at most"):
        ReportingLags().with_overrides(f"US.Q={text}")


@settings(max_examples=200, deadline=None)
@given(n=st.integers(0, 120), unit=st.sampled_from(["M", "D"]),
       end=st.dates(min_value=pd.Timestamp("1990-01-01").date(), max_value=pd.Timestamp("2035-12-31").date()))
def test_every_accepted_lag_gives_a_known_from_date(n: int, unit: str, end: Any) -> None:
    from scenarios.data.fundamentals.lags import MAX_LAG, ReportingLags

    k = n if unit == "M" else n * MAX_LAG["D"] // 120  # up to the bound in both units
    rule = ReportingLags().with_overrides(f"US.Q={k}{unit}")
    day = rule.known_from("MSFT", pd.Timestamp(end), "Q")
    assert day >= pd.Timestamp(end)


def test_a_local_cluster_that_cannot_start_is_a_cluster_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import distributed

    from scenarios.parallel import ClusterError, map_tasks

    asked: list[int] = []

    def failing(*args: object, n_workers: int, **kwargs: object) -> None:
        asked.append(n_workers)
        raise RuntimeError("Cluster failed to start: [Errno 20] Not a directory: '/etc/passwd/dask-scratch'")

    monkeypatch.setattr(distributed, "LocalCluster", failing)
    with pytest.raises(ClusterError, match="could not start a local Dask cluster of 3 workers.*DASK_"):
        map_tasks(abs, [1, 2, 3], workers=8)  # no more workers than tasks
    with pytest.raises(ClusterError, match="of 2 workers"):
        map_tasks(abs, [1, 2, 3], workers=2)
    assert asked == [3, 2]


def test_matplotlib_that_cannot_start_is_an_input_error(tmp_path: Path) -> None:
    code = ("from scenarios.report import _charts_module\n"
            "from scenarios.errors import ScenarioError\n"
            "try:\n    _charts_module()\nexcept ScenarioError as e:\n    print('ScenarioError', e)\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "no_such_backend", "MPLCONFIGDIR": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("ScenarioError --png: matplotlib could not start") and "MPLBACKEND" in proc.stdout


def test_a_console_without_the_characters_gets_escapes_not_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from scenarios.cli.app import _escape_unencodable

    out = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    err = io.TextIOWrapper(io.BytesIO(), encoding="latin-1")
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    _escape_unencodable()
    out.write("腾讯 ✓\n")
    err.write("é ✓\n")
    out.flush()
    err.flush()
    assert out.buffer.getvalue() == b"\\u817e\\u8baf \\u2713\n"  # type: ignore[attr-defined]
    assert err.buffer.getvalue() == "é \\u2713\n".encode("latin-1")  # type: ignore[attr-defined]
