"""Helpers for the example-scenario tests (``examples/*.yaml`` on the real snapshot).

The expected values in these tests are computed independently: prices with plain pandas from
the CSV files, fundamentals and claim values with plain PyYAML from the files, formulas by hand.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES_DIR = REPO_ROOT / "examples"
#: scenario files (a ``kind: set`` file lists scenario files: see SET_FILES)
EXAMPLE_FILES = sorted(p for p in EXAMPLES_DIR.glob("*.yaml")
                       if yaml.safe_load(p.read_text(encoding="utf-8")).get("kind") != "set")
SET_FILES = sorted(p for p in EXAMPLES_DIR.glob("*.yaml") if p not in EXAMPLE_FILES)
DRAWS = 10_000


def example_path(name: str) -> Path:
    return EXAMPLES_DIR / name


def raw_yaml(name: str) -> dict[str, Any]:
    """The example file as plain data (PyYAML, no project code)."""
    return yaml.safe_load(example_path(name).read_text(encoding="utf-8"))


def raw_driver(data: dict[str, Any], label: str) -> dict[str, Any]:
    for d in data["drivers"]:
        if d.get("label") == label:
            return d
    raise KeyError(label)


def snapshot_close(snapshot_dir: Path, symbol: str, day: dt.date | str) -> float:
    """Close of ``symbol`` on the last row on or before ``day``, read with plain pandas."""
    import pandas as pd

    frame = pd.read_csv(snapshot_dir / f"{symbol}.csv", parse_dates=["date"])
    rows = frame[frame["date"] <= pd.Timestamp(day)]
    assert not rows.empty, f"{symbol}: no row on or before {day}"
    return float(rows["close"].iloc[-1])




def driver_return(res: Any) -> Any:
    """Simple return of every draw from the narrative's drivers alone (the ``residual`` market
    noise of ``monte_carlo.residual`` left out): ``exp(sum of driver contributions) - 1``."""
    import numpy as np

    noise = (res.residual or {}).get("label")
    total = sum(v for k, v in res.contributions.items() if k != noise)
    return np.expm1(total)


def history_vol(snapshot_dir: Path, symbol: str, as_of: str, lookback: int = 250) -> tuple[float, int]:
    """(annualized vol, returns used) of ``symbol``'s daily log returns on or before ``as_of``
    (last ``lookback``), read with plain pandas: sd (ddof 1) x sqrt(252)."""
    import numpy as np
    import pandas as pd

    frame = pd.read_csv(snapshot_dir / f"{symbol}.csv", parse_dates=["date"])
    close = frame.loc[frame["date"] <= pd.Timestamp(as_of), "close"].dropna().to_numpy()
    r = np.diff(np.log(close))[-lookback:]
    return float(np.std(r, ddof=1) * np.sqrt(252)), len(r)
