"""The index's weights in force at a date, from the replica machinery (one HSTECH per report).

Why: the engine's "before" weights of an ``index_weighting`` driver with ``scheme: implied`` and
the backtest's replica of the scenario's index must be the same weighting. Both come from
:func:`~scenarios.recon.counterfactual.simulate_schemes` (the batched Hang Seng
reconstruction of :mod:`scenarios.recon`): at each Hang Seng review the implied weights
are fitted on data of the previous period only, the review's membership changes are applied, the
scheme's tilts/exclusions and cap are imposed, and the holdings drift with prices.

:func:`weights_at` runs that simulation up to the close of ``as_of`` (through a look-ahead-safe
view when the caller passes one) and returns, per scheme, the weights set at the last review on
or before ``as_of`` and the same holdings drifted to the close of ``as_of``: exactly what the
replica holds when its backtest window opens the session after ``as_of``. A drifted weight can
sit above the cap (the cap binds at reviews only, as in the real index).

:func:`scenario_scheme` turns a scenario's ``index_weighting`` driver into the
:class:`~scenarios.recon.counterfactual.IndexScheme` both sides run (scenario-local themes
expanded into symbols; a symbol entry wins over its theme's).

Units: weights are fractions summing to 1; returns are daily simple price returns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from scenarios.data.symbols import normalize_symbol

__all__ = ["ViewSource", "WeightsAt", "scenario_scheme", "weights_at"]

#: calendar days of simulated history before ``as_of`` (the test range of the simulation; the
#: weights only depend on the last review, this just has to reach past a holiday stretch)
_LEAD_DAYS = 14


class ViewSource:
    """A :class:`~scenarios.data.view.PriceView` seen as a price source (``get``), clamped to its ``as_of``.

    ``get(sym, start, None)`` reads up to ``as_of``, never later.
    """

    def __init__(self, view: Any) -> None:
        self._view = view
        self.name = f"view@{view.as_of.date()}"

    def get(self, symbol: str, start: Any = None, end: Any = None) -> pd.DataFrame:
        """Return the bars of ``symbol`` from ``start`` to ``end``, never past the view's ``as_of``."""
        a = self._view.as_of
        e = a if end is None or pd.Timestamp(end) > a else pd.Timestamp(end)
        return self._view.history(symbol, start, e)

    def prefetch(self, symbols: list[str]) -> None:
        """Load many symbols up to ``as_of`` in one go (:meth:`PriceView.prefetch`)."""
        self._view.prefetch(symbols)


@dataclass(frozen=True)
class WeightsAt:
    """Weights of each scheme at ``as_of``.

    ``review``: the review (or segment start) whose weights are in force at ``as_of``.
    ``session``: the last index session on or before ``as_of``. ``at_review[name]``: the weights
    set at ``review`` (after the cap); ``drifted[name]``: the same holdings at the close of
    ``session``. Index: symbols held. ``notes``: data caveats and entry weights.
    """

    review: pd.Timestamp
    session: pd.Timestamp
    at_review: Mapping[str, pd.Series]
    drifted: Mapping[str, pd.Series]
    notes: tuple[str, ...] = field(default_factory=tuple)


def scenario_scheme(driver: Any, local_themes: Mapping[str, Sequence[str]] | None = None,
                    name: str = "scenario") -> Any:
    """Return the :class:`IndexScheme` of a scenario ``index_weighting`` driver.

    Scenario-local themes (``themes:`` of the file, theme -> symbols) are expanded into symbols,
    seeds themes stay themes; a symbol entry wins over its theme's.
    """
    from scenarios.recon.counterfactual import IndexScheme

    local = {k: [normalize_symbol(x) for x in v] for k, v in (local_themes or {}).items()}
    tilts: dict[str, float] = {}
    for key, m in (driver.tilts or {}).items():
        if key in local:
            for sym in local[key]:
                tilts.setdefault(sym, float(m))
    for key, m in (driver.tilts or {}).items():
        if key not in local:
            tilts[key if key.islower() else normalize_symbol(key)] = float(m)
    exclude: list[str] = []
    for key in driver.exclude or []:
        exclude.extend(local[key] if key in local else [key])
    spec = {"label": name, "scheme": driver.scheme, "tilts": tilts, "exclude": exclude,
            "cap": driver.cap, "weights": driver.weights}
    return IndexScheme.from_driver(spec, name=name)


def weights_at(schemes: Sequence[Any], source: Any, as_of: Any, *, universe: Any,
               index_symbol: str = "HSTECH.HK") -> WeightsAt:
    """Return the weights of ``schemes`` at ``as_of`` from the replica machinery.

    ``schemes`` (:class:`IndexScheme`) run with the replica machinery up to ``as_of``; their weights
    are those set at the last review on/before ``as_of``, drifted to its close.

    ``source``: a price source or a :class:`ViewSource` (the engine passes its look-ahead-safe
    view). ``universe``: a seeds universe name or a :class:`Membership`. Raises
    :class:`~scenarios.errors.DataUnavailableError` when the history is too short to fit.
    """
    from scenarios.recon.counterfactual import simulate_schemes
    from scenarios.recon.hstech import WARMUP_DAYS
    from scenarios.recon.membership import Membership
    from scenarios.recon.panel import load_index_panel

    membership = universe if isinstance(universe, Membership) else Membership.from_universe(universe)
    a = pd.Timestamp(as_of).normalize()
    panel = load_index_panel(source, membership.symbols, index_symbol,
                             a - pd.Timedelta(days=WARMUP_DAYS), a)
    # the broker's after-review weight estimates are HSTECH's: another index must not get them
    cf = simulate_schemes(list(schemes), source, a - pd.Timedelta(days=_LEAD_DAYS), a,
                          benchmarks=(), universe=membership, index_symbol=index_symbol,
                          panel=panel, broker_prior=normalize_symbol(index_symbol) == "HSTECH.HK")
    batch = cf.batch
    assert batch is not None  # the batched engine is the default
    seg = batch.segments.iloc[-1]
    review = pd.Timestamp(seg["rebalance"])
    session = pd.Timestamp(batch.days[-1])
    at_review: dict[str, pd.Series] = {}
    drifted: dict[str, pd.Series] = {}
    for s, nm in enumerate(batch.names):
        w = batch.weights_frame(s).iloc[-1].dropna()
        growth = (1.0 + panel.returns.loc[review:session, list(w.index)].fillna(0.0)).prod()
        held = w * growth
        at_review[nm] = w
        drifted[nm] = held / float(held.sum())
    return WeightsAt(review, session, at_review, drifted, tuple(cf.notes) + tuple(batch.notes))
