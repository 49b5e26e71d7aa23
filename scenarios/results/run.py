"""Typed results of scenario runs: :class:`RunResult` and its rows (forecasts, index lines, P&L)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, JsonValue, PrivateAttr

from scenarios.jsonable import to_jsonable
from scenarios.results.base import INDEX_BASE_LINE, INDEX_LINE, SCHEMA_VERSION, Num, _Model

if TYPE_CHECKING:
    import pandas as pd

    from scenarios.engine.result import ScenarioResult

__all__ = ["IndexForecast", "IndexLine", "PnlForecast", "PnlPosition", "RunResult", "SymbolForecast"]


class SymbolForecast(_Model):
    """One symbol's forecast at the horizon.

    Median and 5%/95% quantiles of the predicted price (listing currency) and return (fraction),
    ``prob_up`` = share of draws above the baseline, ``top_driver`` = the driver with the largest
    mean log contribution (``top_driver_log``).
    """

    symbol: str
    currency: str
    return_kind: str
    baseline_date: str | None
    baseline_price: Num
    median_price: Num
    mean_price: Num = None  #: E[price] (absent in payloads recorded before it was added)
    price_p05: Num
    price_p95: Num
    mean_return: Num
    median_return: Num
    return_p05: Num
    return_p95: Num
    prob_up: Num
    top_driver: str | None
    top_driver_log: Num
    # schema 3 (issue 11): absent (None) in runs recorded by schema 1-2
    #: the largest Shapley contribution to the noise-free return, percentage points
    top_driver_pp: Num = None
    #: the noise-free forecast (every parameter at its mean, residual off), fraction
    point_return: Num = None
    #: Monte Carlo standard errors of ``median_return`` and ``prob_up`` (fractions)
    median_return_se: Num = None
    prob_up_se: Num = None


class IndexForecast(_Model):
    """One index line's return forecast (``line``: :data:`INDEX_LINE` or :data:`INDEX_BASE_LINE`)."""

    line: str
    return_kind: str
    mean_return: Num
    median_return: Num
    return_p05: Num
    return_p95: Num
    prob_up: Num


class IndexLine(_Model):
    """An index line worth showing: ``label`` in ``index_summary``, printed ``name`` and ``note``."""

    label: str
    name: str
    note: str


class PnlPosition(_Model):
    """One leg of a portfolio.

    ``notional`` in the base currency (a weight when sized by weight),
    ``source`` stock / benchmark / index, ``return_kind`` total or price, ``fx_as_of`` base
    units per listing-currency unit, ``fx_change`` the assumed change over the window.
    """

    symbol: str
    side: str
    notional: float
    source: str
    currency: str
    fx_as_of: float
    fx_change: float
    return_kind: str


class PnlForecast(_Model):
    """Predicted P&L of the ``portfolio:`` block at the horizon.

    Per unit of gross notional in the base currency (fractions; :mod:`scenarios.engine.pnl`):
    ``mean``, ``median``, the 5-95% band, ``prob_loss``, ``var_05`` and ``es_05`` (5% value-at-risk
    and expected shortfall as positive losses), costs; ``return_basis`` says which return each leg
    is.
    """

    base_currency: str
    gross_notional: float
    unit: str = "per unit of gross notional"
    rebalance: str = "none"
    costs_bps: float = 0.0
    close_at_horizon: bool = True
    return_basis: str
    positions: list[PnlPosition] = Field(default_factory=list)
    mean: Num
    median: Num
    p05: Num
    p95: Num
    prob_loss: Num
    var_05: Num
    es_05: Num
    mc_se_mean: Num = None
    p25: Num = None
    p75: Num = None
    mean_before_costs: Num = None
    mean_costs: Num = None
    benchmark_forecast: dict[str, JsonValue] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)
    draws: list[float] | None = None


class RunResult(_Model):
    """One scenario run (one grid point): what ``scenarios run`` prints and records.

    Built from the engine's :class:`~scenarios.engine.result.ScenarioResult` by
    :meth:`from_engine` (then :attr:`engine` holds every draw) or read from JSON
    (:func:`from_payload`). Views: :meth:`summary` and :meth:`index_summary` (DataFrames),
    :meth:`index_lines` (which index lines to show), :attr:`forecasts` (typed rows).
    """

    schema_version: int = SCHEMA_VERSION
    kind: Literal["scenario_result"] = "scenario_result"
    name: str
    symbols: list[str]
    currencies: list[str]
    as_of: str
    horizon: str
    horizon_years: float
    baseline_date: list[str | None]
    seed: int | None
    draws: int
    index_scheme: str | None = None
    return_kind: str = "total"
    return_kinds: dict[str, str] = Field(default_factory=dict)
    benchmarks: dict[str, JsonValue] = Field(default_factory=dict)
    inputs: dict[str, JsonValue] = Field(default_factory=dict)
    data_sources: dict[str, JsonValue] = Field(default_factory=dict)
    file: str | None = None
    file_sha256: str | None = None
    warnings: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    grid_point: dict[str, JsonValue] = Field(default_factory=dict)
    residual: dict[str, JsonValue] | None = None
    forecasts: list[SymbolForecast] = Field(alias="summary")
    index_forecasts: list[IndexForecast] = Field(default_factory=list, alias="index_summary")
    contribution_means: dict[str, list[Num]] = Field(default_factory=dict)
    #: schema 3: Shapley attribution of the noise-free forecast, percentage points
    #: (:meth:`scenarios.engine.noise_free.Attribution.to_dict`); None in older runs
    attribution: dict[str, JsonValue] | None = None
    baseline_price: list[Num]
    index_weights_before: list[Num] | None = None
    index_weights_after: list[Num] | None = None
    index_return: list[Num] | None = None
    index_return_before: list[Num] | None = None
    # every draw (only in the ``to_dict(include_draws=True)`` form of ``scenarios run --out``)
    predicted_price: list[list[Num]] | None = None
    predicted_return: list[list[Num]] | None = None
    eps: list[list[Num]] | None = None
    multiple: list[list[Num]] | None = None
    contributions: dict[str, list[list[Num]]] | None = None
    pnl: PnlForecast | None = None

    _engine: ScenarioResult | None = PrivateAttr(default=None)
    #: set by :func:`scenarios.api.record` once the run is in the store
    _run_id: str | None = PrivateAttr(default=None)
    #: the scenario a run made in this process came from, set by :func:`scenarios.api.iter_run`
    #: when the file alone (read with the default price source) gives it: recording it then
    #: also keeps its realised score (:func:`scenarios.report.scored.score_to_record`)
    _scenario: Any = PrivateAttr(default=None)

    @classmethod
    def from_engine(cls, result: ScenarioResult) -> RunResult:
        """Return the compact (recorded) form of an engine result; :attr:`engine` keeps the draws.

        A new key in ``ScenarioResult.to_dict`` needs its field here (a ``ValidationError``
        says which: the model is the schema of the JSON form).
        """
        payload = to_jsonable(result.to_dict(include_draws=False))
        payload["schema_version"] = SCHEMA_VERSION
        out = cls.model_validate(payload)
        out._engine = result
        return out

    @property
    def engine(self) -> ScenarioResult:
        """The engine result with every draw (only for a run made in this process)."""
        if self._engine is None:
            raise ValueError(f"run {self.name!r} was read back from JSON without its draws; "
                             "re-run the scenario (scenarios.api.run) to get them")
        return self._engine

    @property
    def run_id(self) -> str | None:
        """The store's id of this run once recorded (None otherwise)."""
        return self._run_id

    def to_dict(self, *, include_draws: bool = False) -> dict[str, Any]:
        """Return the recorded JSON form; ``include_draws=True`` adds every draw (needs :attr:`engine`)."""
        if include_draws:
            out = self.engine.to_dict(include_draws=True)  # already JSON-safe (NaN -> None)
            out["schema_version"] = SCHEMA_VERSION
            return out
        return super().to_dict()

    def to_json(self, *, indent: int | None = 2, include_draws: bool = False) -> str:
        """Return the result as JSON text (``indent`` spaces; draws only when asked)."""
        return json.dumps(self.to_dict(include_draws=include_draws), indent=indent,
                          ensure_ascii=False, allow_nan=False)

    # ------------------------------------------------------------------ views
    def index_driver(self) -> Mapping[str, JsonValue] | None:
        """Return the enabled ``index_weighting`` driver of the run's inputs (None without one)."""
        for d in self.inputs.get("drivers") or []:  # type: ignore[union-attr]
            if isinstance(d, dict) and d.get("type") == "index_weighting" and d.get("enabled", True):
                return d
        return None

    def index_lines(self) -> list[IndexLine]:
        """Index lines worth showing, the one rule for ``scenarios run`` and ``runs compare``.

        None for a one-symbol universe without an ``index_weighting`` driver (the "index"
        would be the stock itself). Without the driver: one "basket" line (equal or market-cap
        weights; nothing is re-weighted). With it: the re-weighted index (scheme, tilts,
        exclusions, cap) and the same names under the scheme's own weights.
        """
        if not self.index_forecasts:
            return []
        driver = self.index_driver()
        scheme = self.index_scheme or "equal"
        if driver is None:
            if len(self.symbols) < 2:
                return []
            kind = "equal-weight" if scheme == "equal" else scheme.replace("_", "-") + "-weighted"
            return [IndexLine(label=INDEX_LINE, name="basket", note=f"{kind} basket")]
        parts = [scheme]
        if driver.get("tilts"):
            parts.append("tilts")
        if driver.get("exclude"):
            parts.append("exclusions")
        cap = driver.get("cap")
        if isinstance(cap, (int, float)):
            parts.append(f"cap {100 * float(cap):g}%")
        return [IndexLine(label=INDEX_LINE, name="index", note=f"re-weighted index ({', '.join(parts)})"),
                IndexLine(label=INDEX_BASE_LINE, name="index, base w", note=f"{scheme} weights, not re-weighted")]

    def index_forecast(self, label: str) -> IndexForecast | None:
        """Return the index line ``label`` (None when the run has none)."""
        return next((f for f in self.index_forecasts if f.line == label), None)

    def summary(self) -> pd.DataFrame:
        """Per symbol (index ``symbol``).

        ``return_kind``, ``currency``, ``baseline_price``, ``median_price``, ``median`` (median
        return), the 5%-95% band of the return (``band_low``, ``band_high``), ``P(up)`` (share of
        draws above the baseline), ``mean`` (mean return) and ``top_driver``. Returns and
        probabilities are fractions.
        """
        import pandas as pd

        rows = [{"symbol": f.symbol, "return_kind": f.return_kind, "currency": f.currency,
                 "baseline_price": f.baseline_price, "median_price": f.median_price,
                 "median": f.median_return, "band_low": f.return_p05, "band_high": f.return_p95,
                 "P(up)": f.prob_up, "mean": f.mean_return, "top_driver": f.top_driver}
                for f in self.forecasts]
        df = pd.DataFrame(rows, columns=["symbol", "return_kind", "currency", "baseline_price",
                                         "median_price", "median", "band_low", "band_high", "P(up)",
                                         "mean", "top_driver"]).set_index("symbol")
        df.attrs["band"] = (0.05, 0.95)
        return df

    def index_summary(self) -> pd.DataFrame:
        """Return the index lines worth showing.

        The lines are those of :meth:`index_lines`; columns as :meth:`summary` (``median``,
        ``band_low``, ``band_high``, ``P(up)``, ``mean``) plus ``note``.
        """
        import pandas as pd

        rows = []
        for line in self.index_lines():
            f = self.index_forecast(line.label)
            if f is not None:
                rows.append({"line": line.name, "return_kind": f.return_kind, "median": f.median_return,
                             "band_low": f.return_p05, "band_high": f.return_p95, "P(up)": f.prob_up,
                             "mean": f.mean_return, "note": line.note})
        return pd.DataFrame(rows, columns=["line", "return_kind", "median", "band_low", "band_high",
                                           "P(up)", "mean", "note"]).set_index("line")

    def scores(self) -> pd.DataFrame:
        """Raise ``ValueError``: a run is not scored (use :func:`scenarios.api.backtest`)."""
        raise ValueError(f"run {self.name!r} is a forecast, not a backtest: score it with "
                         "scenarios.api.backtest(file) (or `scenarios backtest FILE`)")
