"""Touch the pages of a run's large output arrays on a helper thread, ahead of the blocks.

A fresh ``(draws, n)`` array costs nothing until it is written: each page is mapped (and, in a
virtual machine, often backed by the host) on its first write. For a run of 1,000,000 draws of
30 symbols the predicted returns and prices are 480 MB, and that first write was a large part
of writing them (:func:`scenarios.engine.blocks._prices`). :class:`Prefault` writes zeros over
the arrays, ``step`` rows at a time, on a helper thread (numpy releases the GIL while it fills an
array) while the engine computes the blocks on the calling thread; :meth:`Prefault.wait` holds a
block back until the helper has passed its rows, so the helper never overwrites a result. The
numbers do not depend on it.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

__all__ = ["MIN_BYTES", "Prefault"]

#: arrays smaller than this in total (bytes) are left to be touched by their first write
MIN_BYTES = 64 * 2**20


class Prefault:
    """Zero ``arrays`` (same number of rows), ``step`` rows at a time, on a helper thread.

    No thread when the arrays are small (:data:`MIN_BYTES`). If the helper fails, or after
    :meth:`close`, every row counts as passed (the engine's own writes then touch the pages).
    """

    def __init__(self, arrays: Sequence[np.ndarray], step: int) -> None:
        self._arrays = [a for a in arrays if a.size]
        self._rows = self._arrays[0].shape[0] if self._arrays else 0
        self._step = max(int(step), 1)
        self._passed = 0
        self._stop = False
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        if sum(a.nbytes for a in self._arrays) >= MIN_BYTES:
            self._thread = threading.Thread(target=self._run, name="prefault", daemon=True)
            self._thread.start()
        else:
            self._passed = self._rows

    def _run(self) -> None:
        try:
            for lo in range(0, self._rows, self._step):
                with self._cond:
                    if self._stop:
                        return
                hi = min(self._rows, lo + self._step)
                for a in self._arrays:
                    a[lo:hi].fill(0.0)
                with self._cond:
                    self._passed = hi
                    self._cond.notify_all()
        finally:
            with self._cond:
                self._passed = self._rows
                self._cond.notify_all()

    def wait(self, row: int) -> None:
        """Return once the helper has passed rows ``0..row - 1`` (they may be written)."""
        with self._cond:
            self._cond.wait_for(lambda: self._passed >= row)

    def close(self) -> None:
        """Stop the helper (it finishes its current step) and wait for it."""
        if self._thread is None:
            return
        with self._cond:
            self._stop = True
        self._thread.join()
        self._thread = None
