"""Fake forecasters and a shifted price source for the backtest tests (independent of the engine)."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd

from scenarios.backtest.forecast import Forecast
from scenarios.data.view import PriceView
from scenarios.errors import DataUnavailableError

SYMS = ["0700.HK", "9988.HK", "3690.HK", "1810.HK", "0981.HK"]


def quarter_later(as_of: pd.Timestamp) -> pd.Timestamp:
    return (pd.Timestamp(as_of) + pd.offsets.QuarterEnd(1)).normalize()


@functools.lru_cache(maxsize=64)
def _closes(path: Path) -> pd.Series:
    return pd.read_csv(path, index_col="date", parse_dates=True)["close"].dropna()


def csv_close_on_or_before(folder: Path, symbol: str, day: pd.Timestamp) -> float:
    """Independent of the project: plain pandas reading of the snapshot file."""
    return float(_closes(Path(folder) / f"{symbol}.csv").loc[:pd.Timestamp(day)].iloc[-1])


class OracleForecaster:
    """Cheats on purpose (reads the raw files, future included): a perfect point forecast plus
    a symmetric spread, optionally negated. Used to check the scoring plumbing end to end."""

    def __init__(self, folder: Path, symbols=SYMS, sign: float = 1.0, draws: int = 41) -> None:
        self.folder, self.symbols, self.sign, self.draws = folder, list(symbols), sign, draws

    def __call__(self, as_of: pd.Timestamp) -> Forecast:
        h = quarter_later(as_of)
        truth = np.array([
            csv_close_on_or_before(self.folder, s, h) / csv_close_on_or_before(self.folder, s, as_of) - 1
            for s in self.symbols])
        spread = np.linspace(-0.05, 0.05, self.draws)[:, None]
        return Forecast(as_of=as_of, horizon=h, symbols=self.symbols,
                        ensemble=self.sign * truth[None, :] + spread)


class ViewForecaster:
    """An honest model: reads only through a PriceView (trailing 60-day momentum, noisy
    ensemble from a fixed seed). ``peek_days`` > 0 makes it try to read after as_of."""

    def __init__(self, source, symbols=SYMS, draws: int = 50, peek_days: int = 0) -> None:
        self.source, self.symbols, self.draws, self.peek_days = source, list(symbols), draws, peek_days

    def __call__(self, as_of: pd.Timestamp) -> Forecast:
        view = PriceView(self.source, as_of)
        end = view.as_of + pd.Timedelta(days=self.peek_days) if self.peek_days else None
        mom = []
        for s in self.symbols:
            c = view.close(s, end=end).dropna()
            past = c.loc[: view.as_of - pd.Timedelta(days=60)]
            mom.append(c.iloc[-1] / past.iloc[-1] - 1)
        rng = np.random.default_rng(42)
        ens = 0.5 * np.array(mom)[None, :] + rng.normal(0, 0.1, (self.draws, len(self.symbols)))
        return Forecast(as_of=as_of, horizon=quarter_later(as_of), symbols=self.symbols, ensemble=ens)


class ShiftedAfter:
    """A price source whose closes after ``cut`` are multiplied by ``factor`` (look-ahead probe)."""

    name = "shifted"

    def __init__(self, inner, cut, factor: float = 2.0) -> None:
        self.inner, self.cut, self.factor = inner, pd.Timestamp(cut), factor

    def get(self, symbol, start=None, end=None):
        f = self.inner.get(symbol, start, end)
        scale = np.where(f.index > self.cut, self.factor, 1.0)
        out = f.copy()
        for c in ("open", "high", "low", "close"):
            out[c] = f[c].to_numpy() * scale
        return out

    def symbols(self):
        return self.inner.symbols()


class FrameSource:
    """A PriceSource over in-memory canonical frames."""

    name = "frames"

    def __init__(self, frames: dict[str, pd.DataFrame]) -> None:
        self.frames = frames

    def get(self, symbol, start=None, end=None):
        if symbol not in self.frames:
            raise DataUnavailableError(f"no {symbol}")
        df = self.frames[symbol]
        if start is not None:
            df = df.loc[pd.Timestamp(start):]
        if end is not None:
            df = df.loc[:pd.Timestamp(end)]
        return df

    def symbols(self):
        return sorted(self.frames)
