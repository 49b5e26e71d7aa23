"""The Monte Carlo draws of a run, evaluated in blocks of rows (:func:`simulate`).

A block is a slice of the draws axis: the drivers, dividend carry, residual noise and cash
items of :mod:`scenarios.engine.evaluate` run on ``block_draws`` rows at a time, and each
block writes its predicted returns and prices straight into the run's final ``(draws, n)``
arrays. Peak memory is the final arrays plus two blocks' working arrays, whatever the draw
count: in a run of several blocks, a helper thread finishes each block (its prices and returns,
tail counts and contribution sums: :func:`_finish_block`) while this thread evaluates the next
block's drivers. One block is in flight at most and blocks are finished in order, each from its
own state only, so the numbers are those of the serial order (numpy releases the GIL in these
whole-array steps, so the two overlap on two cores).

Bit-identity with an unblocked run (one block of every draw), for any block size:

* random streams continue across blocks (:meth:`scenarios.engine.sampling.Sampler.start_block`),
  so block ``b`` gets exactly the rows an unblocked run gives those draws;
* every per-row computation is elementwise over the rows, or the residual's product with its
  Cholesky factor, taken in the same tiles of rows whatever the blocks (:class:`_Residual`);
* the one run-wide choice of the engine (an EPS driver records ``log(new / old)`` for every
  row once any row hits the EPS floor) is kept: a block that meets it first re-runs the
  earlier blocks with that choice made (rare: a floor is a warning);
* floors are counted per symbol in the order an unblocked run meets them;
* the per-driver log contributions are summed the way ``numpy.mean(axis=0)`` sums the whole
  ``(draws, n)`` array (:class:`ContributionMean`);
* the index lines (a matrix-vector product, whose bits do depend on the row count) are
  computed afterwards on the whole return array (:func:`scenarios.engine.run.run_resolved`).
"""

from __future__ import annotations

import contextvars
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np

from scenarios.engine.evaluate import (
    State,
    apply_driver,
    apply_value_adjustments,
    dividends,
    new_state,
    valuation_term,
)
from scenarios.engine.residual import (
    ResidualDataError,
    ResidualSpec,
    blocks_keep_tiles,
    residual_draws,
    resolve_residual,
)
from scenarios.engine.sampling import Sampler
from scenarios.errors import DataUnavailableError
from scenarios.model.resolved import ResolvedScenario

__all__ = ["ContributionMean", "Simulation", "simulate"]


@dataclass
class Simulation:
    """The draws of one run (``(draws, n)`` arrays, universe order)."""

    predicted_return: np.ndarray
    predicted_price: np.ndarray
    #: label -> mean log contribution per symbol (``(n,)``), file order
    contribution_mean: dict[str, np.ndarray]
    #: label -> every draw (only with ``keep_draws``; empty otherwise)
    contributions: dict[str, np.ndarray] = field(default_factory=dict)
    eps: np.ndarray | None = None        #: with ``keep_draws`` only
    multiple: np.ndarray | None = None   #: with ``keep_draws`` only
    floored: dict[str, int] = field(default_factory=dict)
    value_floored: dict[str, int] = field(default_factory=dict)
    residual: dict[str, Any] | None = None
    #: with ``tail_limits=(low, high)``: per symbol (``(n,)``), the draws whose predicted return
    #: is ``<= low`` and ``>= high`` (see :func:`scenarios.engine.run._band_sanity`), counted
    #: block by block while the block is in cache
    tail_counts: tuple[np.ndarray, np.ndarray] | None = None


class _Restart(Exception):
    """A block floored EPS under a label the earlier blocks recorded without the floor rule."""

    def __init__(self, labels: set[str]) -> None:
        super().__init__(sorted(labels))
        self.labels = labels


def simulate(rs: ResolvedScenario, sampler: Sampler, *, keep_draws: bool = False,
             block_draws: int = 25_000, tail_limits: tuple[float, float] | None = None) -> Simulation:
    """Every draw of ``rs`` in blocks of ``block_draws`` rows (see the module docstring).

    ``tail_limits=(low, high)`` (fractions): also count, per symbol, the draws whose predicted
    return is at or below ``low`` and at or above ``high`` (:attr:`Simulation.tail_counts`).
    """
    if block_draws < 1:
        raise ValueError(f"block_draws must be >= 1 (got {block_draws})")
    log_ratio: frozenset[str] = frozenset()
    while True:
        try:
            return _simulate(rs, sampler, keep_draws, block_draws, log_ratio, tail_limits)
        except _Restart as again:
            log_ratio = log_ratio | again.labels


def _simulate(rs: ResolvedScenario, sampler: Sampler, keep_draws: bool, block_draws: int,
              log_ratio: frozenset[str], tail_limits: tuple[float, float] | None = None) -> Simulation:
    draws, n = rs.draws, len(rs.symbols)
    predicted_return = np.empty((draws, n))
    predicted_price = np.empty((draws, n))
    eps = np.empty((draws, n)) if keep_draws else None
    multiple = np.empty((draws, n)) if keep_draws else None
    means: dict[str, ContributionMean] = {}
    floor_events: dict[tuple[int, int], int] = {}
    value_floor_events: dict[tuple[int, int], int] = {}
    residual: _Residual | None = None
    tails = None if tail_limits is None else (np.zeros(n, np.int64), np.zeros(n, np.int64))
    sampler.keys.clear()
    # a run of several blocks finishes each block (prices, tail counts, contribution sums) on a
    # helper thread while this one evaluates the next block's drivers (see the module docstring)
    pool = ThreadPoolExecutor(1, thread_name_prefix="scenarios-block") if draws > block_draws else None
    pending: Future[None] | None = None
    try:
        for start in range(0, draws, block_draws):
            stop = min(draws, start + block_draws)
            sampler.start_block(stop - start, first=start == 0)
            state = _drivers(rs, sampler, stop - start, log_ratio)
            valuation_term(state, rs.baseline, rs.valuation_log)  # valuation: dcf (0 otherwise)
            div_label = "dividends" if "dividends" not in state.contributions else "dividend_carry"
            dividends(state, rs.baseline, rs.years, div_label)
            if rs.residual is not None:
                residual = residual or _Residual.resolve(rs, state)
                residual.add(state, sampler, start, draws)
            _value_adjustments(rs, state)
            if state.log_ratio_found - log_ratio:
                if start > 0:  # the earlier blocks recorded these labels the other way
                    raise _Restart(state.log_ratio_found - log_ratio)
                log_ratio = log_ratio | state.log_ratio_found
            job = partial(_finish_block, rs, state, start, stop, predicted_return, predicted_price,
                          eps, multiple, means, tails, tail_limits)
            if pool is None:
                job()
            else:  # one block in flight at most: memory stays bounded, its errors surface here
                if pending is not None:
                    pending.result()
                pending = pool.submit(contextvars.copy_context().run, job)
            _merge(floor_events, state.floor_events)
            _merge(value_floor_events, state.value_floor_events)
        if pending is not None:
            pending.result()
    finally:
        if pool is not None:
            pool.shutdown(wait=True)
        sampler.end_blocks()
    return Simulation(
        predicted_return=predicted_return, predicted_price=predicted_price,
        contribution_mean={k: m.mean() for k, m in means.items()},
        contributions={k: m.draws() for k, m in means.items()} if keep_draws else {},
        eps=eps, multiple=multiple,
        floored=_counts(floor_events, rs.baseline.symbols),
        value_floored=_counts(value_floor_events, rs.baseline.symbols),
        residual=None if residual is None else residual.spec.to_dict(),
        tail_counts=tails)


def _finish_block(rs: ResolvedScenario, state: State, start: int, stop: int,
                  predicted_return: np.ndarray, predicted_price: np.ndarray,
                  eps: np.ndarray | None, multiple: np.ndarray | None,
                  means: dict[str, ContributionMean],
                  tails: tuple[np.ndarray, np.ndarray] | None,
                  tail_limits: tuple[float, float] | None) -> None:
    """Write block ``start..stop``'s rows of the run's arrays and add it to the running sums.

    Reads the block's ``state`` only; the blocks are finished one at a time, in order (the
    running sums and the order of ``means`` are those of an unblocked run).
    """
    _prices(rs, state, predicted_return[start:stop], predicted_price[start:stop])
    if tails is not None and tail_limits is not None:
        block = predicted_return[start:stop]
        tails[0][:] += np.count_nonzero(block <= tail_limits[0], axis=0)
        tails[1][:] += np.count_nonzero(block >= tail_limits[1], axis=0)
    if eps is not None and multiple is not None:  # keep_draws
        _state_draws(rs, state, eps[start:stop], multiple[start:stop])
    keep = eps is not None
    for label, c in state.contributions.items():
        means.setdefault(label, ContributionMean(len(predicted_return), predicted_return.shape[1],
                                                 keep)).add(c, start, stop)


def _merge(total: dict[tuple[int, int], int], block: dict[tuple[int, int], int]) -> None:
    for k, c in block.items():
        total[k] = total.get(k, 0) + c


def _counts(events: dict[tuple[int, int], int], symbols: tuple[str, ...]) -> dict[str, int]:
    """Count the draws floored per symbol.

    Symbols come in the order an unblocked run meets them (step by step, column by column).
    """
    out: dict[str, int] = {}
    for (_, j), c in sorted(events.items()):
        out[symbols[j]] = out.get(symbols[j], 0) + c
    return out


def _drivers(rs: ResolvedScenario, sampler: Sampler, rows: int, log_ratio: frozenset[str]) -> State:
    """Apply every driver in file order to ``rows`` draws.

    A ValuationError becomes a located error.
    """
    state = new_state(rs.baseline, rows, log_ratio)
    for rd in rs.drivers:
        try:
            apply_driver(state, rs.baseline, rd, sampler, as_of=rs.as_of, horizon=rs.horizon,
                         years=rs.years)
        except ValueError as exc:  # ValuationError: an input the schema could not rule out
            raise rs.error(("drivers", rd.position), f"{rd.type}: {exc}") from None
    return state


def _value_adjustments(rs: ResolvedScenario, state: State) -> None:
    """Cash items, after every multiplicative term (see :mod:`scenarios.engine.evaluate`)."""
    by_label = {rd.label: rd for rd in rs.drivers}

    def locate(label: str, exc: ValueError) -> Exception:  # ValuationError: a located error
        rd = by_label[label]
        return rs.error(("drivers", rd.position), f"{rd.type}: {exc}")

    apply_value_adjustments(state, rs.baseline, locate)


def _prices(rs: ResolvedScenario, state: State, predicted_return: np.ndarray,
            predicted_price: np.ndarray) -> None:
    """Write the block's predicted returns and prices (rows of the run's arrays).

    Both come from the sum of the block's log contributions.
    """
    parts = list(state.contributions.values())
    total = predicted_price  # the sum of the logs, then (in place) the price
    if parts:  # ``0.0 + first`` as a sum from zero gives it (a -0.0 becomes +0.0), one pass less
        np.add(parts[0], 0.0, out=total)
    else:
        total.fill(0.0)
    for c in parts[1:]:
        np.add(total, c, out=total)
    np.expm1(total, out=predicted_return)
    np.exp(total, out=total)
    predicted_price *= rs.baseline.price


def _state_draws(rs: ResolvedScenario, state: State, eps: np.ndarray, multiple: np.ndarray) -> None:
    """Write the block's EPS and multiple (NaN for symbols without a baseline EPS)."""
    base = rs.baseline
    eps[...] = state.eps
    if state.log_multiple is None:
        multiple[...] = base.multiple
    else:
        np.exp(state.log_multiple, out=multiple)
        multiple *= base.multiple
    unknown = ~np.isfinite(base.eps)
    if unknown.any():
        eps[:, unknown] = np.nan
        multiple[:, unknown] = np.nan


@dataclass
class _Residual:
    """The run's residual market noise: resolved once (first block), drawn per block.

    With ``correlation: history`` the shocks are a matrix product with the Cholesky factor,
    taken in tiles of rows from the run's first row (``residual.correlate``): blocks that cut
    the run at tile bounds (``residual.blocks_keep_tiles``: the engine's blocks of 25,000 draws)
    draw their own rows; otherwise the shocks are drawn once for the whole run and each block
    takes its rows (memory: one more ``(draws, n)`` array for such runs).
    """

    spec: ResidualSpec
    label: str
    whole: np.ndarray | None = None
    blockwise: bool | None = None  # decided by the first block

    @classmethod
    def resolve(cls, rs: ResolvedScenario, state: State) -> _Residual:
        label = "residual" if "residual" not in state.contributions else "market_residual"
        path = ("monte_carlo", "residual")
        try:
            spec = resolve_residual(rs.residual, list(rs.symbols), rs.prices, list(rs.baseline_dates),
                                    rs.horizon, list(rs.benchmark_symbols), label)
        except ResidualDataError as exc:
            raise rs.error(path + exc.where, str(exc)) from None
        except DataUnavailableError as exc:
            raise rs.error(path + ("factor",), f"correlation factor: {exc}") from None
        return cls(spec, label)

    def add(self, state: State, sampler: Sampler, start: int, draws: int) -> None:
        """Record the block's ``residual`` contribution.

        Rows ``start..start + state.draws`` of the run's ``draws`` (see
        :mod:`scenarios.engine.residual`).
        """
        if self.blockwise is None:
            self.blockwise = self.spec.corr is None or blocks_keep_tiles(
                state.draws, draws, len(self.spec.symbols))
        if self.blockwise:
            def generator(key: str) -> Any:
                sampler.record(key)
                return sampler.generator(key)

            state.contributions[self.label] = residual_draws(self.spec, generator, state.draws)
            return
        if self.whole is None:  # the whole run's shocks, from the start of every stream
            def whole_run(key: str) -> Any:
                sampler.record(key)
                return sampler.fresh(key)

            self.whole = residual_draws(self.spec, whole_run, draws)
        state.contributions[self.label] = self.whole[start:start + state.draws]


def _writable_rows(c: np.ndarray) -> np.ndarray:
    """Return ``c`` as a writable C-ordered array with its values, copying only when needed.

    The engine records many contributions as read-only views of an array of their own shape
    (``numpy.broadcast_to(x, x.shape)``): that array is returned instead of a copy (the caller
    restores any row it changes).
    """
    if c.flags.writeable and c.flags.c_contiguous:
        return c
    base = c.base
    if (isinstance(base, np.ndarray) and base.shape == c.shape and base.strides == c.strides
            and base.flags.writeable and base.flags.c_contiguous
            and base.__array_interface__["data"][0] == c.__array_interface__["data"][0]):
        return base
    return np.array(c)


class ContributionMean:
    """One log contribution over the blocks of a run.

    Its mean per symbol, exactly as ``numpy.mean(axis=0)`` gives it for the whole ``(draws, n)``
    array an unblocked run records, and (``keep``) every draw in that array's layout.

    numpy sums a ``(draws, n)`` array over axis 0 row after row when ``n >= 2`` (C order, and
    the broadcast views the engine records), and pairwise along the draws when ``n == 1``.
    So: with ``n >= 2`` a contribution that varies by draw and symbol is summed row by row,
    block after block (the running sum enters the block's first row); one constant over the
    draws (a row) or over the symbols (a column) is kept in that small form and averaged at the
    end as the same broadcast view; with ``n == 1`` the column is kept and averaged at the end.
    """

    def __init__(self, draws: int, n: int, keep: bool) -> None:
        self.draws_n, self.n, self.keep = draws, n, keep
        self.kind: str | None = None
        self.row: np.ndarray | None = None     # "row": constant over the draws, (n,)
        self.col: np.ndarray | None = None     # "col": one value per draw, (draws,)
        self.full: np.ndarray | None = None    # "full" and keep: every draw, (draws, n)
        self.sum: np.ndarray | None = None     # "sum": running sum of the rows so far
        self.rows = 0                          # rows added so far

    @staticmethod
    def _kind(c: np.ndarray, n: int) -> str:
        if n == 1 or c.strides[1] == 0:
            return "col"
        if c.shape[0] > 1 and c.strides[0] == 0:
            return "row"
        return "full"

    def add(self, c: np.ndarray, start: int, stop: int) -> None:
        """Add the block's rows ``start..stop`` of the contribution (``(stop - start, n)``)."""
        if c.shape != (stop - start, self.n):
            c = np.broadcast_to(c, (stop - start, self.n))
        kind = self._kind(c, self.n)
        if c.shape[0] == 1 and self.kind in ("row", "col") and kind == "full":
            # one row has no layout to tell: it is of the run's form if its values fit it
            fits = (self.row is not None and np.array_equal(c[0], self.row) if self.kind == "row"
                    else bool(np.all(c[0] == c[0, 0])))
            kind = self.kind if fits else kind
        if self.kind is None:
            self.kind = kind
        elif self.kind != "full" and (kind != self.kind or (kind == "row" and self.row is not None
                                                           and not np.array_equal(c[0], self.row))):
            self._to_sum()
        if self.kind == "row":
            self.row = np.array(c[0])
        elif self.kind == "col":
            if self.col is None:
                self.col = np.empty(self.draws_n)
            self.col[start:stop] = c[:, 0]
        elif self.keep:
            if self.full is None:
                self.full = np.empty((self.draws_n, self.n))
            self.full[start:stop] = c
        else:
            self._sum_rows(_writable_rows(c))
        self.rows = stop

    def _same_row(self, r: np.ndarray) -> bool:
        """Tell whether ``r`` equals the kept constant row (False when none is kept)."""
        return self.row is not None and bool(np.array_equal(r, self.row))

    def _sum_rows(self, block: np.ndarray) -> None:
        """Sum ``block`` (C order, writable) row by row onto the running sum."""
        if self.sum is None:
            self.sum = np.add.reduce(block, axis=0)
            return
        first = block[0].copy()
        block[0] += self.sum  # the running sum, then the block's rows in order
        self.sum = np.add.reduce(block, axis=0)
        block[0] = first

    def _to_sum(self) -> None:
        """Switch to the full form (the contribution changed form between blocks).

        The rows so far are summed row by row (or kept, with ``keep``).
        """
        done = self._rows_so_far()
        self.kind, self.row, self.col, self.sum = "full", None, None, None
        if self.keep:
            self.full = np.empty((self.draws_n, self.n))
            self.full[:self.rows] = done
        elif self.rows:
            self._sum_rows(np.ascontiguousarray(done))

    def _rows_so_far(self) -> np.ndarray:
        if self.kind == "row" and self.row is not None:
            return np.broadcast_to(self.row, (self.rows, self.n))
        if self.kind == "col" and self.col is not None:
            return np.broadcast_to(self.col[:self.rows, None], (self.rows, self.n))
        if self.full is not None:
            return self.full[:self.rows]
        raise AssertionError("a summed contribution cannot be re-read")  # pragma: no cover

    def draws(self) -> np.ndarray:
        """Return every draw, in the layout an unblocked run records.

        Needs ``keep`` for the "full" form.
        """
        if self.kind == "row":
            assert self.row is not None
            return np.broadcast_to(self.row, (self.draws_n, self.n))
        if self.kind == "col":
            assert self.col is not None
            return (self.col[:, None] if self.n == 1
                    else np.broadcast_to(self.col[:, None], (self.draws_n, self.n)))
        assert self.full is not None, "draws of a contribution that was only summed"
        return self.full

    def mean(self) -> np.ndarray:
        """Return the mean per symbol, ``(n,)``."""
        if self.kind == "full" and not self.keep:
            assert self.sum is not None
            return np.true_divide(self.sum, self.draws_n)
        return np.mean(self.draws(), axis=0)
