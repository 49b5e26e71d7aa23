"""Random streams for Monte Carlo parameters.

Stream layout: the run seed ``s`` seeds ``numpy.random.SeedSequence(s)``; each random parameter
gets its own child ``SeedSequence(s, spawn_key=(k,))`` where ``k`` is a 64-bit hash (BLAKE2b)
of the parameter key ``"<driver name>/<parameter>"`` (``"<driver name>/<parameter>/<symbol>"``
when a driver draws per symbol). Consequences:

* same seed and key -> same draws (no dependence on dict order, driver order, Python hash seed);
* the first ``k`` draws do not depend on the total number of draws (each distribution consumes
  its stream sequentially);
* adding, removing or reordering drivers leaves the draws of the others unchanged.

Fixed (non-random) parameters consume no stream.

Blocks. A large run is evaluated in blocks of rows (:meth:`Sampler.start_block`). Each stream
is consumed sequentially across blocks: the generator of a key in block ``b`` starts where
that key's stream stopped at the end of block ``b - 1``, so block ``b`` gets exactly the rows
``start..stop`` of the unblocked run (every sampler used here draws one variate-sequence per
row, in row order). A key asked for twice in one block gets the same rows twice, as in an
unblocked run. ``draws`` is the number of rows of the current block (the whole run outside
blocks); ``total`` the run's draw count.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from scenarios.model.distributions import is_random, sample


def stream_key(key: str) -> int:
    """64-bit integer spawn key of a parameter key."""
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "little")


class Sampler:
    """Draws parameters for ``draws`` Monte Carlo draws from ``seed``.

    Draws come in blocks of rows (:meth:`start_block`).
    """

    def __init__(self, seed: int, draws: int) -> None:
        if draws < 1:
            raise ValueError(f"draws must be >= 1 (got {draws})")
        self.seed = int(seed)
        self.draws = int(draws)
        self.total = int(draws)
        self.keys: list[str] = []
        #: the first block records the keys (every block asks for the same ones)
        self._recording = True
        #: key -> generator positioned at the start of the current block's rows
        self._carry: dict[str, np.random.Generator] = {}
        #: key -> bit-generator state at the start of the current block (a key asked twice)
        self._start: dict[str, Any] = {}
        #: key -> the last generator handed out in the current block (its state ends the block)
        self._live: dict[str, np.random.Generator] = {}

    def start_block(self, rows: int, first: bool) -> None:
        """Start the next block of ``rows`` draws (``first``: the run's first block).

        Every stream continues where the previous block left it.
        """
        if first:
            self._carry, self._start, self._live, self._recording = {}, {}, {}, True
        else:
            self._carry.update(self._live)
            self._live, self._start, self._recording = {}, {}, False
        self.draws = int(rows)

    def end_blocks(self) -> None:
        """Back to the whole run (``draws = total``); streams restart."""
        self.draws, self._carry, self._start, self._live = self.total, {}, {}, {}
        self._recording = True

    def record(self, key: str) -> None:
        """Note ``key`` as a random parameter of the run (first block only)."""
        if self._recording:
            self.keys.append(key)

    def fresh(self, key: str) -> np.random.Generator:
        """Return a generator of ``key`` at the start of its stream (whatever the current block)."""
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(stream_key(key),)))

    def generator(self, key: str) -> np.random.Generator:
        """Return the generator of parameter ``key`` at the start of the current block's rows."""
        if key in self._live:  # asked again in this block: the same rows again
            g = self.fresh(key)
            if key in self._start:
                g.bit_generator.state = self._start[key]
        else:
            g = self._carry.pop(key) if key in self._carry else self.fresh(key)
            self._start[key] = g.bit_generator.state
        self._live[key] = g
        return g

    def draw(self, key: str, value: Any, symbols: list[str] | None = None) -> float | np.ndarray:
        """Draws of ``value``.

        A float for a fixed value; ``(draws, 1)`` for a shared random
        parameter; ``(draws, len(symbols))`` with one stream per symbol when ``symbols`` given.
        """
        if value is None:
            raise ValueError(f"parameter {key} has no value")
        if not is_random(value):
            return float(value)
        if symbols is None:
            self.record(key)
            return sample(value, self.generator(key), (self.draws,))[:, None]
        gens = []  # column j = the stream of symbols[j]
        for sym in symbols:
            k = f"{key}/{sym}"
            self.record(k)
            gens.append(self.generator(k))
        return value.sample_columns(gens, self.draws)
