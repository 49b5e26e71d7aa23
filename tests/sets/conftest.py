"""Fixtures for scenario-set tests: component files in a temporary folder, an in-memory source."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from scenarios.engine.synthetic import MemorySource, flat_source


def component(name: str, growth_mean: float, sd: float = 0.05, seed: int = 3, draws: int = 500,
              horizon: str = "6M", as_of: str = "2025-06-30") -> dict[str, Any]:
    """A small two-stock scenario whose return is driven by one growth parameter."""
    return {
        "name": name, "as_of": as_of, "horizon": horizon, "universe": ["0700.HK", "9988.HK"],
        "baseline": {"0700.HK": {"eps": 20.0, "shares": {"value": 9.0, "unit": "bn"}},
                     "9988.HK": {"eps": 8.0, "shares": {"value": 18.0, "unit": "bn"}}},
        "drivers": [{"type": "earnings_growth", "label": "g",
                     "growth": {"dist": "normal", "mean": growth_mean, "sd": sd}, "per_symbol": True}],
        "monte_carlo": {"draws": draws, "seed": seed},
    }


@pytest.fixture
def source() -> MemorySource:
    return flat_source({"0700.HK": 400.0, "9988.HK": 100.0})


@pytest.fixture
def make_set(tmp_path: Path) -> Callable[..., Path]:
    """Write component files and a set file into ``tmp_path``; returns the set file."""

    def make(components: list[tuple[dict[str, Any], float]], *, draws: int = 2000, seed: int = 11,
             extra: dict[str, Any] | None = None, folder: Path | None = None) -> Path:
        home = folder or tmp_path
        home.mkdir(parents=True, exist_ok=True)
        entries = []
        for data, p in components:
            f = home / (re.sub(r"[^A-Za-z0-9_-]+", "_", data["name"]) + ".yaml")
            f.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
            entries.append({"file": f.name, "probability": p})
        doc = {"kind": "set", "name": "test-set", "monte_carlo": {"draws": draws, "seed": seed},
               "components": entries, **(extra or {})}
        out = home / "set.yaml"
        out.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
        return out

    return make
