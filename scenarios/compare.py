"""Compare recorded runs: what differs in their inputs and in their predictions.

Pure logic over run payloads (the dicts :func:`scenarios.store.runs.load_run` returns); nothing
here prints or touches the store. ``scenarios runs compare`` (:mod:`scenarios.cli.runs`) loads
the runs, calls :func:`compare_runs` and renders the result.

Payload kinds understood:

* ``kind="run"``: ``ScenarioResult.to_dict(include_draws=False)`` (``summary``, ``index_summary``,
  ``inputs`` ...);
* ``kind="backtest"``, single mode: ``SingleBacktest.to_dict()`` with the scenario result under
  ``result`` and the scored outcomes under ``per_symbol`` / ``index`` / ``summary``;
* ``kind="backtest"``, walk-forward mode: only its track record (``track``) is compared (it has
  one forecast per as_of, not one per symbol).

Units: every return, band quantile, probability and difference is a **fraction** (0.05 = 5%);
the CLI prints percents and percentage points.
"""

from __future__ import annotations

import datetime as _dt
import functools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scenarios.errors import IncomparableRunsError
from scenarios.numfmt import as_finite
from scenarios.results import (
    INDEX_LINE,
    IndexForecast,
    IndexScore,
    Result,
    RunResult,
    SingleBacktestResult,
    SymbolForecast,
    SymbolScore,
    WalkForwardResult,
    from_payload,
)

#: a number or None; a bool is not a number here
_num = functools.partial(as_finite, bools=False)

__all__ = [
    "ABSENT", "IGNORED_INPUT_KEYS", "RunRecord", "compare_runs", "flatten_inputs", "input_diff",
    "predictions", "relative_calls", "run_header",
]

#: Top-level input keys left out of the input diff: free text already shown in the header.
IGNORED_INPUT_KEYS: frozenset[str] = frozenset({"name", "description"})



class _Absent:
    """Marker for "this run has no such key" (distinct from a ``null`` value)."""

    _instance: _Absent | None = None

    def __new__(cls) -> _Absent:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ABSENT"

    def __bool__(self) -> bool:
        return False


ABSENT = _Absent()


@dataclass(frozen=True)
class RunRecord:
    """One recorded run: the store's metadata plus its payload (``created_at`` naive UTC).

    :attr:`result` is the payload read through :mod:`scenarios.results` (None for kinds other
    than ``run`` and ``backtest``).
    """

    id: str
    kind: str
    name: str
    created_at: _dt.datetime | None
    file_sha256: str | None
    payload: Mapping[str, Any] = field(repr=False)

    @property
    def result(self) -> Result | None:
        """The typed result of the record (parsed once), or None for other kinds."""
        cached = self.__dict__.get("_typed", ABSENT)
        if cached is ABSENT:
            cached = from_payload(self.kind, self.payload, what=f"run {self.id}")
            object.__setattr__(self, "_typed", cached)
        return cached


# ---------------------------------------------------------------------------- payload access


def _is_walk(run: RunRecord) -> bool:
    return isinstance(run.result, WalkForwardResult)


def _result(run: RunRecord) -> RunResult | None:
    """Return the scenario run of a record, or None.

    The record itself for ``run``, the scored run of a single backtest; None for a walk-forward and
    other kinds.
    """
    r = run.result
    if isinstance(r, RunResult):
        return r
    if isinstance(r, SingleBacktestResult):
        return r.result
    return None


def _inputs(run: RunRecord) -> Mapping[str, Any] | None:
    res = _result(run)
    if res is not None:
        return res.inputs
    inp = run.payload.get("inputs")
    return inp if isinstance(inp, Mapping) else None


def run_header(run: RunRecord) -> dict[str, Any]:
    """Return the header row of one run.

    Id, kind, name, file, sha256 (12 hex), as_of, horizon, seed, draws, grid point (dict), created
    (ISO, UTC).
    """
    r = run.result
    res = _result(run)
    kind = run.kind + (" (walk-forward)" if _is_walk(run) else "")
    as_of = horizon = file = sha = seed = draws = None
    grid: Mapping[str, Any] = {}
    if res is not None:
        as_of, horizon, file, sha = res.as_of, res.horizon, res.file, res.file_sha256
        seed, draws, grid = res.seed, res.draws, res.grid_point
    if isinstance(r, (SingleBacktestResult, WalkForwardResult)):
        file, sha, seed, draws = r.file, r.file_sha256 or sha, r.seed, r.draws
        grid = r.grid_point or grid
    if isinstance(r, SingleBacktestResult):
        as_of, horizon = r.as_of, r.horizon
    if isinstance(r, WalkForwardResult):
        as_of = f"{r.start}..{r.end}"
        horizon = (_inputs(run) or {}).get("horizon", horizon)
    sha = run.file_sha256 or sha
    return {
        "id": run.id,
        "kind": kind,
        "name": run.name,
        "file": file,
        "file_sha256": sha[:12] if sha else None,
        "as_of": as_of,
        "horizon": horizon,
        "seed": seed,
        "draws": draws,
        "grid_point": dict(grid or {}),
        "created_at": run.created_at.isoformat() if run.created_at is not None else None,
    }


# ---------------------------------------------------------------------------- inputs


_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _child(path: str, key: str) -> str:
    if _PLAIN_KEY.fullmatch(key):
        return f"{path}.{key}" if path else key
    return f"{path}[{key}]"


def _labelled(items: Sequence[Any]) -> bool:
    """Return a list of dicts each with a distinct string ``label`` (drivers): keyed by label."""
    labels = [it.get("label") for it in items if isinstance(it, Mapping)]
    return (bool(items) and len(labels) == len(items) and all(isinstance(x, str) for x in labels)
            and len(set(labels)) == len(labels))


def _items(node: Any) -> dict[str, Any] | None:
    """Children of a node as ``{path suffix: child}``; None for a leaf."""
    if isinstance(node, Mapping):
        return {str(k): v for k, v in node.items()}
    if isinstance(node, list) and node and all(isinstance(x, Mapping) for x in node) and _labelled(node):
        return {f"\0{x['label']}": x for x in node}
    return None


def _join(path: str, key: str) -> str:
    if key.startswith("\0"):  # labelled list element
        return f"{path}[{key[1:]}]"
    return _child(path, key)


def flatten_inputs(inputs: Mapping[str, Any], *, ignore: frozenset[str] = IGNORED_INPUT_KEYS) -> dict[str, Any]:
    """Every leaf of a resolved scenario's inputs as ``{path: value}``.

    Paths read like ``drivers[capex].amount.mean``, ``monte_carlo.residual.vol`` or
    ``baseline[0700.HK].eps.value``: dict keys join with ``.`` (``[key]`` when the key is not an
    identifier), drivers and other lists of labelled dicts are keyed by label. Other lists
    (``universe``, ``clip`` ...) and empty dicts are leaves compared as a whole.
    """
    out: dict[str, Any] = {}

    def walk(path: str, node: Any) -> None:
        kids = _items(node)
        if not kids:
            out[path] = node
            return
        for k, v in kids.items():
            walk(_join(path, k), v)

    for k, v in inputs.items():
        if str(k) not in ignore:
            walk(_child("", str(k)), v)
    return out


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        fa, fb = float(a), float(b)
        return fa == fb or (math.isnan(fa) and math.isnan(fb))
    return a == b


def _same(a: Any, b: Any) -> bool:
    if a is ABSENT or b is ABSENT:
        return a is b
    return _equal(a, b)


def input_diff(inputs: Sequence[Mapping[str, Any] | None], *,
               ignore: frozenset[str] = IGNORED_INPUT_KEYS) -> list[dict[str, Any]]:
    """Return the input keys whose values differ between runs, as ``[{"key": path, "values": [...]}]``.

    One value per run, in run order, :data:`ABSENT` where a run does not have the key. Paths are
    those of :func:`flatten_inputs`, except that a subtree some run lacks altogether (a driver only
    one run has) or holds as a plain value is one row with the whole subtree as its value. Runs
    without inputs (``None``) are ABSENT everywhere and do not make a key differ. Keys come in
    the first run's order, then new keys in order of appearance.
    """
    live = [j for j, i in enumerate(inputs) if i is not None]
    rows: list[dict[str, Any]] = []

    def emit(path: str, nodes: list[Any]) -> None:
        values: list[Any] = [ABSENT] * len(inputs)
        for j, v in zip(live, nodes, strict=False):
            values[j] = v
        rows.append({"key": path, "values": values})

    def walk(path: str, nodes: list[Any]) -> None:
        kids = [None if n is ABSENT else _items(n) for n in nodes]
        if all(kids):
            keys: dict[str, None] = {}
            for k in kids:
                keys.update(dict.fromkeys(k))  # type: ignore[arg-type]
            for key in keys:
                walk(_join(path, key), [k.get(key, ABSENT) for k in kids])  # type: ignore[union-attr]
        elif not all(_same(n, nodes[0]) for n in nodes[1:]):
            emit(path, nodes)

    if len(live) >= 2:
        tops: dict[str, None] = {}
        for j in live:
            tops.update(dict.fromkeys(str(k) for k in inputs[j]))  # type: ignore[union-attr]
        for key in tops:
            if key not in ignore:
                walk(_child("", key), [{str(k): v for k, v in inputs[j].items()}.get(key, ABSENT)  # type: ignore[union-attr]
                                      for j in live])
    return rows


# ---------------------------------------------------------------------------- predictions




def _forecast(line: str, return_kind: str | None, f: SymbolForecast | IndexForecast) -> dict[str, Any]:
    return {"line": line, "return_kind": return_kind, "median": _num(f.median_return),
            "p05": _num(f.return_p05), "p95": _num(f.return_p95), "prob_up": _num(f.prob_up)}


def predictions(run: RunRecord) -> dict[str, dict[str, Any]]:
    """Per symbol (and index line) of one run.

    ``line`` ("symbol"/"index"), ``return_kind``, ``median``, ``p05``, ``p95``, ``prob_up``
    (fractions) and, for single backtests, ``realized``, ``hit`` (1.0/0.0), ``pit`` (None when not
    scored). Index lines are those :meth:`~scenarios.results.RunResult.index_lines` shows. Empty for
    walk-forward backtests.
    """
    out: dict[str, dict[str, Any]] = {}
    res = _result(run)
    if res is None:
        return out
    for f in res.forecasts:
        out[f.symbol] = _forecast("symbol", f.return_kind or res.return_kinds.get(f.symbol), f)
    for line in res.index_lines():
        idx = res.index_forecast(line.label)
        if idx is not None:
            out[line.label] = _forecast("index", idx.return_kind, idx)
    bt = run.result
    if isinstance(bt, SingleBacktestResult):
        for r in bt.per_symbol:
            row = out.get(r.symbol)
            if row is not None:
                _add_outcome(row, r, r.symbol)
        if bt.index is not None and INDEX_LINE in out:
            _add_outcome(out[INDEX_LINE], bt.index, "index")
    return out


def _add_outcome(row: dict[str, Any], r: SymbolScore | IndexScore, name: str) -> None:
    row["realized"] = _num(r.realized)
    row["hit"] = _num(r.hit) if r.scored else None
    row["pit"] = _num(r.pit) if r.scored else None
    if r.kind and row.get("return_kind") and r.kind != row["return_kind"]:
        raise IncomparableRunsError(
            f"backtest payload says {name} is a {r.kind} return but its "
            f"forecast is a {row['return_kind']} return; the run is inconsistent")


def backtest_summary(run: RunRecord) -> dict[str, Any] | None:
    """Return the cross-section scores of a backtest run (None for other kinds).

    ``hit_rate``, ``ic``, ``crps``, ``coverage``, ``nominal_coverage``, ``mae``, ``n_scored``
    (walk-forward: the track record, ``ic`` = its mean IC).
    """
    r = run.result
    if isinstance(r, WalkForwardResult):
        t = r.track
        return {"hit_rate": _num(t.hit_rate), "ic": _num(t.mean_ic), "crps": _num(t.crps),
                "coverage": _num(t.coverage), "nominal_coverage": _num(t.nominal_coverage),
                "mae": _num(t.mae), "n_scored": t.n_pairs}
    if isinstance(r, SingleBacktestResult):
        s = r.score_summary
        return {"hit_rate": _num(s.hit_rate), "ic": _num(s.ic), "crps": _num(s.crps),
                "coverage": _num(s.coverage), "nominal_coverage": _num(s.nominal_coverage),
                "mae": _num(s.mae), "n_scored": s.n_scored}
    return None


def relative_calls(run: RunRecord) -> list[dict[str, Any]]:
    """Benchmark-relative calls of a backtest run (empty for other kinds and for runs recorded before they were scored).

    Per declared benchmark ``benchmark``, ``basis`` (e.g. ``"total - price"``),
    ``benchmark_forecast`` (how its return was predicted), ``n_scored`` and ``hit_rate`` on the sign
    of excess over the symbols, and the basket's ``basket_predicted`` / ``basket_realized`` excess
    and ``basket_hit`` (single) or ``n_baskets`` / ``basket_hit_rate`` (walk-forward). Fractions.
    """
    r = run.result
    out: list[dict[str, Any]] = []
    if isinstance(r, SingleBacktestResult):
        for b, blk in r.excess.items():
            bk = blk.basket
            out.append({"benchmark": b, "basis": blk.basis, "benchmark_forecast": blk.benchmark_forecast,
                        "n_scored": blk.n_scored, "hit_rate": _num(blk.hit_rate),
                        "basket_predicted": _num(bk.predicted) if bk else None,
                        "basket_realized": _num(bk.realized) if bk else None,
                        "basket_hit": _num(bk.hit) if bk and bk.scored else None})
    elif isinstance(r, WalkForwardResult):
        for b, t in r.track.excess.items():
            out.append({"benchmark": b, "basis": t.basis, "n_scored": t.n_pairs,
                        "hit_rate": _num(t.hit_rate), "n_baskets": t.n_baskets,
                        "basket_hit_rate": _num(t.basket_hit_rate)})
    return out


# ---------------------------------------------------------------------------- comparison


def compare_runs(runs: Sequence[RunRecord]) -> dict[str, Any]:
    """Compare two or more runs (the first is the reference for differences).

    Returns a JSON-ready dict:

    ``runs``
        :func:`run_header` per run.
    ``input_diff``
        :func:`input_diff` of the runs' resolved inputs (``ABSENT`` -> ``None`` plus a
        ``present`` list of booleans).
    ``predictions``
        One record per symbol / index line in the union of the runs (first run's order):
        ``symbol``, ``line``, ``return_kind``, ``in_all`` (bool), ``runs`` (one dict of
        :func:`predictions` fields per run, ``None`` where the run lacks it) and
        ``median_diff`` (run i's median minus the first run's, fractions; ``None`` for the first
        run and where either is missing).
    ``backtest_summary``
        :func:`backtest_summary` per run (``None`` for non-backtests).
    ``relative_calls``
        :func:`relative_calls` per run (excess over each declared benchmark; ``[]`` when none).
    ``notes``
        Sentences about what could not be compared.
    ``not_in_all``
        Symbols / index lines missing from at least one run (walk-forward runs aside).

    Raises :class:`~scenarios.errors.IncomparableRunsError` (exit code 2) when fewer than two
    runs are given or when one symbol is a total return in one run and a price return in another.
    """
    if len(runs) < 2:
        raise IncomparableRunsError(f"compare needs at least two runs (got {len(runs)})")
    notes: list[str] = []
    ids = [r.id for r in runs]
    if len(set(ids)) < len(ids):
        notes.append("the same run is given more than once")
    headers = [run_header(r) for r in runs]

    inputs = [_inputs(r) for r in runs]
    for r, i in zip(runs, inputs, strict=True):
        if i is None:
            notes.append(f"run {r.id} has no recorded inputs; its inputs are not compared")
    diff = input_diff(inputs)
    diff_rows = [{"key": d["key"], "values": [None if v is ABSENT else v for v in d["values"]],
                  "present": [v is not ABSENT for v in d["values"]]} for d in diff]

    preds = [predictions(r) for r in runs]
    for r in runs:
        if _is_walk(r):
            notes.append(f"run {r.id} is a walk-forward backtest (one forecast per as_of): only its "
                         "track record is compared, not per-symbol forecasts")
    order: dict[str, None] = {}
    for p in preds:
        order.update(dict.fromkeys(p))
    rows: list[dict[str, Any]] = []
    partial: list[str] = []
    comparable = [p for r, p in zip(runs, preds, strict=True) if not _is_walk(r)]
    for sym in order:
        per_run = [p.get(sym) for p in preds]
        kinds = {x["return_kind"] for x in per_run if x is not None and x.get("return_kind")}
        if len(kinds) > 1:
            which = ", ".join(f"{r.id}: {x['return_kind']}" for r, x in zip(runs, per_run, strict=True)
                              if x is not None and x.get("return_kind"))
            raise IncomparableRunsError(
                f"{sym} is not the same kind of return in these runs ({which}); a difference of a "
                "total return and a price return means nothing. Compare runs whose return kinds agree.")
        in_all = all(p.get(sym) is not None for p in comparable)
        if not in_all:
            partial.append(sym)
        first = per_run[0]
        diffs: list[float | None] = [None]
        for x in per_run[1:]:
            if first is None or x is None or first.get("median") is None or x.get("median") is None:
                diffs.append(None)
            else:
                diffs.append(x["median"] - first["median"])
        line = next(x["line"] for x in per_run if x is not None)
        rows.append({"symbol": sym, "line": line, "return_kind": next(iter(kinds), None), "in_all": in_all,
                     "runs": [None if x is None else {k: v for k, v in x.items() if k not in ("line", "return_kind")}
                              for x in per_run],
                     "median_diff": diffs})
    if rows and _is_walk(runs[0]):
        notes.append("run #1 has no per-symbol forecast, so no median differences are computed: "
                     "put a scenario run or a single backtest first")
    if partial:
        shown = ", ".join(partial[:12]) + (f" and {len(partial) - 12} more" if len(partial) > 12 else "")
        notes.append(f"{len(partial)} symbols or index lines are not in every run (shown as -): {shown}")
    horizons = {(h["as_of"], h["horizon"]) for h, r in zip(headers, runs, strict=True) if not _is_walk(r)}
    if len(horizons) > 1:
        notes.append("the runs do not share as_of and horizon: their returns cover different windows")
    if len({r.kind for r in runs}) > 1:
        notes.append("runs of different kinds: compared on what they share (forecasts; scores only "
                     "for backtests)")
    return {"runs": headers, "input_diff": diff_rows, "predictions": rows, "not_in_all": partial,
            "backtest_summary": [backtest_summary(r) for r in runs],
            "relative_calls": [relative_calls(r) for r in runs], "notes": notes}
