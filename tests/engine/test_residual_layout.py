"""How the residual is computed does not change its numbers: streams drawn on two threads,
the Cholesky product in tiles of rows, and blocks that draw their own rows
(``scenarios.engine.residual``)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios.data.memory import synthetic_source
from scenarios.engine import blocks
from scenarios.engine.residual import (
    STREAM,
    THREAD_MIN_VARIATES,
    TILE_LADDER,
    blocks_keep_tiles,
    correlate,
    draw_streams,
    residual_draws,
    standard_shocks,
    tile_bounds,
    tile_rows,
)
from scenarios.engine.run import run_resolved
from scenarios.engine.sampling import Sampler
from scenarios.model import scenario_from_dict
from scenarios.model.resolved import resolve_scenario

SYMBOLS = [f"{1000 + 7 * i:04d}.HK" for i in range(12)]


def _bits(a: np.ndarray) -> bytes:
    return np.ascontiguousarray(a).tobytes()


@pytest.mark.parametrize("dist", ["normal", "student_t"])
def test_threaded_streams_are_the_streams_drawn_one_after_the_other(dist: str) -> None:
    draws = THREAD_MIN_VARIATES // 4 + 3  # 12 streams: above the threshold, on two threads
    got = standard_shocks(Sampler(5, draws).generator, SYMBOLS, draws, dist=dist, df=5.0)
    want = np.empty((draws, len(SYMBOLS)))
    fresh = Sampler(5, draws).fresh
    for j, s in enumerate(SYMBOLS):
        want[:, j] = fresh(f"{STREAM}/{s}").standard_normal(draws)
    if dist == "student_t":
        chi2 = np.column_stack([fresh(f"{STREAM}/chi2/{s}").chisquare(5.0, draws) for s in SYMBOLS])
        want *= np.sqrt(3.0 / 5.0) / np.sqrt(chi2 / 5.0)
        np.clip(want, -10.0, 10.0, out=want)
    assert got.flags.c_contiguous and _bits(got) == _bits(want)


def test_a_failing_stream_on_the_helper_thread_is_raised_here() -> None:
    class Broken:
        def standard_normal(self, out: np.ndarray) -> None:
            raise RuntimeError("broken stream")

    gens = [np.random.default_rng(1), Broken()]
    with pytest.raises(RuntimeError, match="broken stream"):
        draw_streams(gens, THREAD_MIN_VARIATES)  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(rows=st.integers(1, 3000), n=st.integers(1, 400))
def test_tiles_cover_the_rows_in_even_steps_without_a_lone_last_row(rows: int, n: int) -> None:
    t = tile_rows(n)
    assert t in TILE_LADDER and (t == TILE_LADDER[-1] or (t + 1) * n * n <= 65_536 * 4)
    b = tile_bounds(rows, n)
    assert b[0] == 0 and b[-1] == rows
    sizes = np.diff(b)
    assert (sizes[:-1] == t).all()
    assert sizes[-1] <= t + 1 and (sizes[-1] != 1 or rows == 1)


def test_correlate_is_the_matrix_product_in_tiles() -> None:
    rng = np.random.default_rng(3)
    n = 30
    chol = np.linalg.cholesky(np.corrcoef(rng.standard_normal((90, n)).T))
    e = rng.standard_normal((2 * tile_rows(n) + 1, n))
    z = correlate(e, chol.T)
    assert z.flags.c_contiguous
    np.testing.assert_allclose(z, e @ chol.T, rtol=1e-13, atol=1e-13)
    for lo, hi in zip(tile_bounds(len(e), n)[:-1], tile_bounds(len(e), n)[1:], strict=True):
        assert _bits(z[lo:hi]) == _bits(e[lo:hi] @ chol.T)  # one product per tile


@pytest.mark.parametrize(("block", "draws", "keeps"), [
    (250, 1000, True), (500, 1002, True), (250, 1001, False), (500, 1001, False), (300, 1000, False),
    (2000, 1500, True), (25_000, 1_000_000, True), (25_000, 1_000_003, True), (25_000, 1_000_001, False),
])
def test_blocks_keep_tiles(block: int, draws: int, keeps: bool) -> None:
    assert blocks_keep_tiles(block, draws, 3) is keeps


def _history_run(draws: int) -> object:
    data = {
        "name": "layout", "as_of": "2025-08-29", "horizon": "6M", "universe": SYMBOLS[:3],
        "drivers": [{"type": "earnings_growth", "label": "growth", "per_symbol": True,
                     "growth": {"dist": "normal", "mean": 0.1, "sd": 0.1}}],
        "monte_carlo": {"draws": draws, "seed": 3,
                        "residual": {"vol": "history", "lookback_days": 250, "correlation": "history"}},
    }
    return resolve_scenario(scenario_from_dict(data), source=synthetic_source(SYMBOLS[:3], seed=2))


@pytest.mark.parametrize(("draws", "block", "own_rows"), [
    (1002, 250, True), (1250, 500, True), (2003, 1000, True), (1001, 250, False), (2001, 1000, False),
    (1000, 300, False),
])
def test_history_blocks_give_the_whole_run(draws: int, block: int, own_rows: bool,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks at tile bounds draw their own rows (the streams continued, never restarted);
    others take their rows of the whole run's shocks; either way the numbers of one block."""
    rs = _history_run(draws)
    ref = run_resolved(rs, block_draws=draws)  # type: ignore[arg-type]
    assert blocks_keep_tiles(block, draws, 3) is own_rows
    rows: list[int] = []

    def spy(spec: object, generator: object, n_rows: int) -> np.ndarray:
        rows.append(n_rows)
        return residual_draws(spec, generator, n_rows)  # type: ignore[arg-type]

    monkeypatch.setattr(blocks, "residual_draws", spy)
    got = run_resolved(rs, block_draws=block)  # type: ignore[arg-type]
    assert (max(rows) <= block) is own_rows  # the blocks' own rows, or the whole run's once
    for name in ("predicted_return", "predicted_price", "index_return"):
        assert _bits(getattr(got, name)) == _bits(getattr(ref, name)), name
