"""The CLI collects garbage less often while a command runs, and restores the thresholds."""

from __future__ import annotations

import gc
from typing import Any

import pytest


def test_gc_thresholds_are_raised_only_while_a_command_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    from scenarios.cli import app as cli

    seen: list[tuple[int, ...]] = []

    def fake_app(**_: Any) -> int:
        seen.append(gc.get_threshold())
        return 3

    monkeypatch.setattr(cli, "app", fake_app)
    before = gc.get_threshold()
    assert cli.main(["run", "x.yaml"]) == 3
    assert gc.get_threshold() == before
    g0, g1, g2 = seen[0]
    assert g0 >= max(before[0], 20_000) and g1 >= 50 and g2 >= 50
