"""Helpers for the scenario-set tests (a module of its own: ``conftest`` names clash across
test folders)."""

from __future__ import annotations

from typing import Any


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
