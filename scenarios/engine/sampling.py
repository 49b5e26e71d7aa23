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
    """Draws parameters for ``draws`` Monte Carlo draws from ``seed``."""

    def __init__(self, seed: int, draws: int) -> None:
        if draws < 1:
            raise ValueError(f"draws must be >= 1 (got {draws})")
        self.seed = int(seed)
        self.draws = int(draws)
        self.keys: list[str] = []

    def generator(self, key: str) -> np.random.Generator:
        """Return the generator of parameter ``key`` (fresh, at the start of its stream)."""
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(stream_key(key),)))

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
            self.keys.append(key)
            return sample(value, self.generator(key), (self.draws,))[:, None]
        out = np.empty((len(symbols), self.draws))
        for j, sym in enumerate(symbols):
            k = f"{key}/{sym}"
            self.keys.append(k)
            out[j] = sample(value, self.generator(k), (self.draws,))
        return np.ascontiguousarray(out.T)  # (draws, n), column j = the stream of symbols[j]
