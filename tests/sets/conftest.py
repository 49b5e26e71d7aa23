"""Fixtures for scenario-set tests: component files in a temporary folder, an in-memory source."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from scenarios.data.memory import MemorySource, flat_source


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
