"""The engine never reads prices after as_of."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scenarios.data.memory import MemorySource, synthetic_source
from scenarios.engine import run_scenario
from scenarios.errors import LookAheadError
from scenarios.model import scenario_from_dict

AS_OF = pd.Timestamp("2025-08-29")
SYMBOLS = ["0700.HK", "9988.HK", "3690.HK", "HSTECH.HK"]


def _scenario(as_of: str = "2025-08-29") -> dict:
    return {
        "name": "nla", "as_of": as_of, "horizon": "6M", "universe": SYMBOLS[:3],
        "benchmarks": ["HSTECH.HK"],
        "baseline": {s: {"eps": 5.0, "shares": {"value": 1, "unit": "bn"}} for s in SYMBOLS[:3]},
        "drivers": [
            {"type": "earnings_growth", "growth": {"dist": "normal", "mean": 0.1, "sd": 0.05}},
            {"type": "rerating", "label": "revert", "target": {"dist": "uniform", "low": 10, "high": 30},
             "half_life_years": 0.5},
            {"type": "sentiment_shock", "shock": -0.05, "half_life_days": 10, "date": "2025-08-20"},
            {"type": "index_weighting", "scheme": "market_cap", "cap": 0.5},
        ],
        "monte_carlo": {"draws": 2000, "seed": 4},
    }


class GuardedSource(MemorySource):
    """Raises LookAheadError if asked for anything that could reach past as_of."""

    def __init__(self, inner: MemorySource, as_of: pd.Timestamp) -> None:
        self.__dict__.update(inner.__dict__)
        self.as_of = as_of

    def get(self, symbol, start=None, end=None):
        if end is None or pd.Timestamp(end) > self.as_of:
            raise LookAheadError(f"asked for {symbol} up to {end}, after {self.as_of.date()}")
        return super().get(symbol, start, end)


def test_no_request_reaches_past_as_of() -> None:
    inner = synthetic_source(SYMBOLS, seed=1)
    src = GuardedSource(inner, AS_OF)
    r = run_scenario(scenario_from_dict(_scenario()), source=src)
    assert r.predicted_price.shape == (2000, 3)
    assert src.requests and all(pd.Timestamp(end) <= AS_OF for _, _, end in src.requests)


def test_walk_forward_as_of_is_guarded_too() -> None:
    inner = synthetic_source(SYMBOLS, seed=1)
    earlier = pd.Timestamp("2025-05-30")
    run_scenario(scenario_from_dict(_scenario()), source=GuardedSource(inner, earlier), as_of=earlier)
    with pytest.raises(LookAheadError):
        run_scenario(scenario_from_dict(_scenario()), source=GuardedSource(inner, earlier))


def test_changing_prices_after_as_of_changes_no_prediction() -> None:
    base = synthetic_source(SYMBOLS, seed=2)
    shifted = {}
    for sym in SYMBOLS:
        close = base.get(sym)["close"]
        shifted[sym] = close.where(close.index <= AS_OF, close * 3.0 + 7.0)
    other = MemorySource(shifted)
    a = run_scenario(scenario_from_dict(_scenario()), source=base)
    b = run_scenario(scenario_from_dict(_scenario()), source=other)
    assert np.array_equal(a.predicted_price, b.predicted_price)
    assert np.array_equal(a.index_return, b.index_return)
    # sanity: the shift is real and would matter at an as_of after it
    c = run_scenario(scenario_from_dict(_scenario("2025-10-31")), source=base)
    d = run_scenario(scenario_from_dict(_scenario("2025-10-31")), source=other)
    assert not np.array_equal(c.predicted_price, d.predicted_price)
