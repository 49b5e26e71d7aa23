"""One-at-a-time sensitivity (tornado) on the noise-free path.

Each random driver parameter is set to its 5th and then its 95th percentile (after ``clip``;
or a ``LOW:HIGH`` range given by the user), every other random parameter at its mean and the
residual off (:func:`scenarios.engine.noise_free.point_forecast`). The result is, per symbol,
the simple return (fraction) at the low and the high value and the swing
``|high - low|``, sorted by swing.

Parameters are named as in ``runs compare`` (:func:`scenarios.compare.flatten_inputs`):
``drivers[LABEL].PARAM``. A parameter is pinned through its sampler key ``LABEL/PARAM``; a
driver that draws per symbol gets the same pinned value for every target.

The scenario's index line (``index``: the re-weighted index with an ``index_weighting``
driver, else the basket of a universe of two or more symbols, as in ``run``) is reported after
the symbols: its return is the symbols' returns weighted by the index weights after the
re-weighting, as in a Monte Carlo run.

Speed: the base row and two rows per parameter run in ONE engine pass (rows independent).

**Two-way table** (:func:`two_way`): two parameters on a grid of values, each cell a full Monte
Carlo run on the scenario's seed with those two parameters fixed in every draw; every other
parameter and the residual draw from their own streams (keyed by name,
:mod:`scenarios.engine.sampling`), so the cells share their random numbers and differ only by
the two parameters. Each cell gives the median return and P(up) (return > 0).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from scenarios.engine.noise_free import MeanSampler, coalition_returns
from scenarios.engine.sampling import Sampler
from scenarios.model.distributions import is_random, ppf
from scenarios.model.resolved import ResolvedScenario

__all__ = ["FixedSampler", "Param", "PinnedSampler", "Tornado", "TornadoBar", "TwoWay", "param_name",
           "random_params", "tornado", "two_way", "write_chart"]

#: The name of the index line (as in ``run``'s results).
INDEX_LINE = "index"

#: Default sweep: the 5th and 95th percentiles.
LOW_Q, HIGH_Q = 0.05, 0.95


def param_name(label: str, field: str) -> str:
    """Return the ``runs compare`` name of a driver parameter: ``drivers[LABEL].FIELD``."""
    return f"drivers[{label}].{field}"


@dataclass(frozen=True)
class Param:
    """A random driver parameter: its public ``name``, sampler ``key`` and distribution.

    ``model`` and ``field`` are the driver's schema class and the parameter's field in it (their
    bounds check a value given for it).
    """

    name: str
    key: str
    value: Any
    model: Any = None
    field: str = ""


def random_params(rs: ResolvedScenario) -> list[Param]:
    """Every random parameter of the enabled drivers, in file order."""
    out: list[Param] = []
    for rd in rs.drivers:
        for field in type(rd.driver).model_fields:
            v = getattr(rd.driver, field, None)
            if v is not None and is_random(v):
                out.append(Param(param_name(rd.label, field), f"{rd.label}/{field}", v,
                                 type(rd.driver), field))
    return out


class PinnedSampler(MeanSampler):
    """A :class:`MeanSampler` whose parameters in ``pins`` take a given value per row.

    ``pins[key]`` is a ``(rows,)`` array, NaN meaning "at its mean" on that row.
    """

    def __init__(self, rows: int, pins: dict[str, np.ndarray]) -> None:
        super().__init__(rows)
        self.pins = {k: np.asarray(v, dtype=np.float64) for k, v in pins.items()}

    def draw(self, key: str, value: Any, symbols: list[str] | None = None) -> float | np.ndarray:
        """Return the noise-free value of ``key``, or its pinned low/high value."""
        base = super().draw(key, value, symbols)
        pin = self.pins.get(key)
        if pin is None:
            return base
        cols = 1 if symbols is None else len(symbols)
        b = np.broadcast_to(np.asarray(base, dtype=np.float64), (self.draws, cols))
        return np.where(np.isnan(pin)[:, None], b, pin[:, None])


@dataclass(frozen=True)
class TornadoBar:
    """One parameter's effect on one symbol: returns are simple-return fractions."""

    param: str
    low_value: float
    high_value: float
    low_return: float
    high_return: float

    @property
    def swing(self) -> float:
        """Absolute difference of the high and low returns (fraction)."""
        return abs(self.high_return - self.low_return)


@dataclass(frozen=True)
class Tornado:
    """The tornado of a scenario.

    ``bars[line]`` sorted by swing (largest first, ties in file order); ``base[line]`` the
    noise-free return (every parameter at its mean). ``symbols`` holds the scenario's symbols, then
    :data:`INDEX_LINE` when the scenario has an index line.
    """

    scenario: str
    symbols: tuple[str, ...]
    base: dict[str, float]
    bars: dict[str, list[TornadoBar]]
    ranges: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        """Return the tornado as a JSON-ready dict."""
        return {
            "scenario": self.scenario,
            "method": "one at a time on the noise-free path (others at their means, residual off)",
            "units": "fractions of simple return; swing = |high_return - low_return|",
            "ranges": dict(self.ranges),
            "symbols": {s: {"base_return": self.base[s],
                            "bars": [{"param": b.param, "low_value": b.low_value,
                                      "high_value": b.high_value, "low_return": b.low_return,
                                      "high_return": b.high_return, "swing": b.swing}
                                     for b in self.bars[s]]}
                        for s in self.symbols},
        }


def _check_vary(vary: dict[str, tuple[float, float]], names: list[str]) -> None:
    from scenarios.errors import ScenarioError

    valid = ", ".join(names) or "(none: the scenario has no random driver parameter)"
    for name, (lo, hi) in vary.items():
        if name not in names:
            raise ScenarioError(f"unknown parameter {name!r}; expected one of {valid}", field="--vary")
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise ScenarioError(f"{name}: LOW and HIGH must be finite (got {lo}:{hi})", field="--vary")
        if lo > hi:  # the bars are labelled low and high: a reversed pair would swap them
            raise ScenarioError(f"{name}: need LOW <= HIGH (got {lo:g}:{hi:g})", field="--vary")


def _field_refusal(p: Param) -> Callable[[float], str | None]:
    """Return ``refusal(value)``: why ``p``'s field refuses ``value`` as a fixed number, or None.

    The field's type and bounds are checked, as for a value written in the file; the validator is
    built once, for every value checked.
    """
    if p.model is None:
        return lambda value: None
    from typing import Annotated

    from pydantic import TypeAdapter, ValidationError

    info = p.model.model_fields[p.field]
    adapter: TypeAdapter[Any] = TypeAdapter(Annotated[info.annotation, info])

    def refusal(value: float) -> str | None:
        try:
            adapter.validate_python(value)
        except ValidationError as exc:
            return str(exc.errors()[0].get("msg", exc)).removeprefix("Value error, ")
        return None
    return refusal


def _check_values(rs: ResolvedScenario, p: Param, values: tuple[float, ...],
                  given: tuple[float, float]) -> None:
    """Check each of ``values`` (given as ``--vary``) for ``p``, every other parameter at its mean.

    A value that the parameter's field would refuse in the file (a multiple change of -300%), that
    the driver refuses when it runs, or that gives a return that is not a finite number is the
    option's error: it is raised naming ``--vary``, the range given and the value, not the
    driver's line of the scenario file, which holds a valid distribution. The values are in the
    file's units (``amount: 50`` with ``unit: bn`` is 50); ``given`` is the ``(LOW, HIGH)`` range
    they come from.
    """
    from scenarios.errors import ScenarioError
    from valuation.exceptions import ValuationError

    refusal = _field_refusal(p)
    ones = np.ones((1, len(rs.drivers)), dtype=bool)
    for value in dict.fromkeys(values):
        reason = refusal(value)
        if reason is None:
            try:
                ret = coalition_returns(rs, ones, sampler=PinnedSampler(1, {p.key: np.array([value])}))
            except (ScenarioError, ValuationError) as exc:  # valuation's InputRangeError, ...
                reason = exc.message if isinstance(exc, ScenarioError) else str(exc)
            else:
                if not np.isfinite(ret).all():
                    reason = "the scenario's return is not a finite number there"
        if reason is not None:
            raise ScenarioError(f"{p.name}={given[0]:g}:{given[1]:g}: the value {value:g} is refused: "
                                f"{reason}", field="--vary")


def tornado(rs: ResolvedScenario, *, vary: dict[str, tuple[float, float]] | None = None,
            name: str = "") -> Tornado:
    """Return the one-at-a-time tornado of ``rs`` (see the module docstring).

    ``vary`` maps parameter names (``drivers[LABEL].PARAM``) to ``(low, high)`` values used
    instead of the 5th/95th percentiles. Raises ScenarioError (exit 2) naming the valid
    parameters when a name is unknown.
    """
    params = random_params(rs)
    vary = dict(vary or {})
    _check_vary(vary, [p.name for p in params])
    n = len(params)
    rows = 1 + 2 * n
    lows, highs, ranges = [], [], {}
    for p in params:
        if p.name in vary:
            lo, hi = vary[p.name]
            _check_values(rs, p, (lo, hi), (lo, hi))
            ranges[p.name] = "given"
        else:
            lo, hi = (float(x) for x in ppf(p.value, [LOW_Q, HIGH_Q]))  # type: ignore[union-attr]
            ranges[p.name] = "p05:p95"
        lows.append(float(lo))
        highs.append(float(hi))
    pins: dict[str, np.ndarray] = {}
    for i, p in enumerate(params):
        col = np.full(rows, np.nan)
        col[1 + 2 * i], col[2 + 2 * i] = lows[i], highs[i]
        pins[p.key] = col
    sampler = PinnedSampler(rows, pins)
    ret = coalition_returns(rs, np.ones((rows, len(rs.drivers)), dtype=bool), sampler=sampler)
    syms = tuple(rs.symbols)
    if rs.index.driver is not None or len(syms) >= 2:
        from scenarios.engine.run import _index_line  # the index weights of a Monte Carlo run

        ret = np.column_stack([ret, ret @ _index_line(rs).after])
        syms = (*syms, INDEX_LINE)
    base = {s: float(ret[0, j]) for j, s in enumerate(syms)}
    bars: dict[str, list[TornadoBar]] = {}
    for j, s in enumerate(syms):
        items = [TornadoBar(p.name, lows[i], highs[i], float(ret[1 + 2 * i, j]),
                            float(ret[2 + 2 * i, j])) for i, p in enumerate(params)]
        bars[s] = sorted(items, key=lambda b: -b.swing)  # stable: ties keep file order
    return Tornado(name, syms, base, bars, ranges)



def write_chart(t: Tornado, out_dir: Any) -> list[Any]:
    """Write the tornado chart as PNG and SVG.

    One panel per symbol, bars from the low to the high return around the noise-free return, in
    percent; written as ``tornado.png`` and ``tornado.svg`` in ``out_dir``. Returns the two paths.
    """
    from pathlib import Path

    import matplotlib.pyplot as plt

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    fig = tornado_figure(t)
    paths = [out / "tornado.png", out / "tornado.svg"]
    for p in paths:
        fig.savefig(p, dpi=120)
    plt.close(fig)
    return paths


def tornado_figure(t: Tornado) -> Any:
    """Return the tornado chart as a matplotlib Figure.

    One panel per symbol, bars from the low to the high return around the noise-free return, in
    percent; the CLI saves it, the report embeds it.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(t.symbols)
    height = max(2.5, sum(0.45 * max(1, len(t.bars[s])) + 1.0 for s in t.symbols))
    fig, axes = plt.subplots(n, 1, figsize=(8, height), squeeze=False)
    for ax, s in zip(axes[:, 0], t.symbols, strict=True):
        bars = t.bars[s][::-1]  # largest swing on top
        base = 100.0 * t.base[s]
        ys = np.arange(len(bars))
        for y, b in zip(ys, bars, strict=True):
            lo, hi = 100.0 * b.low_return, 100.0 * b.high_return
            ax.barh(y, lo - base, left=base, color="#c0504d", height=0.6)
            ax.barh(y, hi - base, left=base, color="#4f81bd", height=0.6)
        ax.axvline(base, color="black", linewidth=0.8)
        ax.set_yticks(ys, [b.param for b in bars], fontsize=8)
        ax.set_xlabel("simple return at the horizon, % (red: low value, blue: high value)")
        ax.set_title(f"{s}: noise-free return {base:+.1f}%", fontsize=10)
    fig.tight_layout()
    return fig


class FixedSampler(Sampler):
    """A Monte Carlo sampler with some parameters fixed.

    It runs on the run's seed; the parameters in ``fixed`` (sampler keys ``LABEL/PARAM``) take one
    value in every draw, and every other parameter (and the residual) draws from its own stream
    exactly as in a plain run: common random numbers.
    """

    def __init__(self, seed: int, draws: int, fixed: dict[str, float]) -> None:
        super().__init__(seed, draws)
        self.fixed = dict(fixed)

    def draw(self, key: str, value: Any, symbols: list[str] | None = None) -> float | np.ndarray:
        """Return the draws of ``key``, fixed at its grid value when it is one of the pair."""
        if key in self.fixed and is_random(value):
            cols = 1 if symbols is None else len(symbols)
            return np.full((self.draws, cols), float(self.fixed[key]))
        return super().draw(key, value, symbols)


@dataclass(frozen=True)
class TwoWay:
    """A two-way table.

    ``median[line][i][j]`` and ``prob_up[line][i][j]`` of the Monte Carlo
    return (fractions) with ``param1 = values1[i]`` and ``param2 = values2[j]`` in every draw,
    every other parameter and the residual drawn on the run's seed (common random numbers).
    """

    scenario: str
    param1: str
    param2: str
    values1: tuple[float, ...]
    values2: tuple[float, ...]
    lines: tuple[str, ...]
    median: dict[str, list[list[float]]]
    prob_up: dict[str, list[list[float]]]
    seed: int
    draws: int

    def to_dict(self) -> dict[str, Any]:
        """Return the two-way table as a JSON-ready dict."""
        return {
            "scenario": self.scenario, "param1": self.param1, "param2": self.param2,
            "values1": list(self.values1), "values2": list(self.values2),
            "method": "Monte Carlo per cell, the two parameters fixed, common random numbers "
                      "(same seed and streams) for every other parameter and the residual",
            "units": "median: fraction of simple return; prob_up: P(return > 0)",
            "seed": self.seed, "draws": self.draws,
            "lines": {ln: {"median": self.median[ln], "prob_up": self.prob_up[ln]} for ln in self.lines},
        }


def _levels(p: Param, vary: dict[str, tuple[float, float]], n: int) -> tuple[float, ...]:
    if p.name in vary:
        lo, hi = vary[p.name]
        return tuple(float(x) for x in np.linspace(lo, hi, n))
    return tuple(float(x) for x in ppf(p.value, np.linspace(LOW_Q, HIGH_Q, n)))  # type: ignore[union-attr]


def _two_way_cell(source: Any, task: tuple[ResolvedScenario, dict[str, float]]
                  ) -> dict[str, tuple[float, float]]:
    """Compute one cell of :func:`two_way`: line -> (median return, P(up)).

    A task of :func:`scenarios.parallel.imap_tasks`; the resolved scenario carries its data,
    ``source`` is not read.
    """
    from scenarios.engine.run import run_resolved

    rs, pins = task
    res = run_resolved(rs, sampler=FixedSampler(rs.seed, rs.draws, pins))
    cols = {s: res.predicted_return[:, j] for j, s in enumerate(res.symbols)}
    if res.index_return is not None and (rs.index.driver is not None or len(res.symbols) >= 2):
        cols[INDEX_LINE] = np.asarray(res.index_return)
    return {ln: (float(np.median(c)), float((c > 0).mean())) for ln, c in cols.items()}


def two_way(rs: ResolvedScenario, param1: str, param2: str, *, levels: int = 5,
            vary: dict[str, tuple[float, float]] | None = None, name: str = "",
            workers: int | None = None, scheduler: str | None = None) -> TwoWay:
    """Build the two-way table of ``param1`` x ``param2``.

    ``levels`` values each, evenly spaced in probability from the 5th to the 95th percentile, or
    evenly from LOW to HIGH with ``vary``.

    ``workers``/``scheduler`` run the ``levels ** 2`` cells (each a full Monte Carlo run) as
    Dask tasks on the resolved scenario (:mod:`scenarios.parallel`); same numbers, bit for bit.
    (The tornado is one engine pass: it stays in this process.)

    Raises ScenarioError (exit 2) for unknown or equal parameter names, and for a ``vary`` level
    the parameter refuses (checked with every other parameter at its mean: a level that only fails
    in combination with some draws of the others is reported by the cell, at the file's driver).
    """
    from scenarios.errors import ScenarioError
    from scenarios.parallel import check_parallel, imap_tasks

    params = {p.name: p for p in random_params(rs)}
    vary = dict(vary or {})
    _check_vary(vary, list(params))
    for nm in (param1, param2):
        if nm not in params:
            valid = ", ".join(params) or "(none: the scenario has no random driver parameter)"
            raise ScenarioError(f"unknown parameter {nm!r}; expected one of {valid}", field="--two-way")
    if param1 == param2:
        raise ScenarioError(f"--two-way needs two different parameters (got {param1} twice)",
                            field="--two-way")
    if levels < 2:
        raise ScenarioError(f"levels must be >= 2 (got {levels})", field="--levels")
    check_parallel(workers, scheduler)
    p1, p2 = params[param1], params[param2]
    v1, v2 = _levels(p1, vary, levels), _levels(p2, vary, levels)
    for p, v in ((p1, v1), (p2, v2)):
        if p.name in vary:
            _check_values(rs, p, v, vary[p.name])
    med: dict[str, list[list[float]]] = {}
    pup: dict[str, list[list[float]]] = {}
    lines: tuple[str, ...] = ()
    done = iter(imap_tasks(_two_way_cell, [(rs, {p1.key: a, p2.key: b}) for a in v1 for b in v2],
                           workers=workers, scheduler=scheduler))
    for _ in v1:
        cells = [next(done) for _ in v2]
        lines = tuple(cells[0])
        for ln in lines:
            med.setdefault(ln, []).append([c[ln][0] for c in cells])
            pup.setdefault(ln, []).append([c[ln][1] for c in cells])
    return TwoWay(name, param1, param2, v1, v2, lines, med, pup, rs.seed, rs.draws)
