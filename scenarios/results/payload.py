"""Typed results from and to their JSON form: :func:`from_payload`, :func:`from_json`, :func:`from_backtest`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeAlias

from pydantic import ValidationError

from scenarios.errors import IncompatibleRunError
from scenarios.jsonable import to_jsonable
from scenarios.results.backtest import SingleBacktestResult, WalkForwardResult
from scenarios.results.base import READABLE_VERSIONS, SCHEMA_VERSION, _Model
from scenarios.results.run import RunResult

__all__ = ["BacktestResult", "Result", "from_backtest", "from_json", "from_payload", "result_of"]

BacktestResult: TypeAlias = SingleBacktestResult | WalkForwardResult
Result: TypeAlias = RunResult | SingleBacktestResult | WalkForwardResult


def _older(what: str, detail: str) -> IncompatibleRunError:
    return IncompatibleRunError(
        f"{what} was recorded by another version of scenarios and cannot be read by this one "
        f"({detail}); re-run it (scenarios run FILE or scenarios backtest FILE)")


def from_payload(kind: str, payload: Mapping[str, Any], *, what: str = "this result") -> Result | None:
    """Return the typed result of a recorded payload of ``kind`` (``"run"`` or ``"backtest"``).

    None for other kinds (their payloads are free-form). Raises
    :class:`~scenarios.errors.IncompatibleRunError` for a payload this version cannot read.
    """
    if kind not in ("run", "backtest"):
        return None
    if not isinstance(payload, Mapping):
        raise _older(what, "the payload is not a JSON object")
    version = payload.get("schema_version", 1)
    if version not in READABLE_VERSIONS:
        raise _older(what, f"schema version {version!r}; this version reads "
                           f"{', '.join(map(str, sorted(READABLE_VERSIONS)))}")
    model: type[_Model]
    if kind == "run":
        model = RunResult
    elif payload.get("mode") == "walk_forward":
        model = WalkForwardResult
    elif payload.get("mode") == "single":
        model = SingleBacktestResult
    else:
        raise _older(what, f"unknown backtest mode {payload.get('mode')!r}")
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise _older(what, f"{exc.error_count()} field(s) differ, e.g. {loc}: {first['msg']}") from None


def result_of(kind: str, payload: Mapping[str, Any], *, what: str = "this result") -> Result:
    """Like :func:`from_payload` for a kind that must be typed (``run``/``backtest``)."""
    out = from_payload(kind, payload, what=what)
    if out is None:
        raise _older(what, f"kind {kind!r} holds no scenario run or backtest")
    return out


def from_json(text: str, kind: str | None = None) -> Result:
    """Return a result from its JSON text (``to_json`` output or one element of the CLI's ``--format json``).

    ``kind`` is guessed from the keys when not given.
    """
    data = json.loads(text)
    if not isinstance(data, dict):
        raise _older("this JSON", "expected one object (a list holds one result per grid point)")
    data.pop("run_id", None)
    if kind is None:
        kind = "backtest" if "mode" in data else "run"
    return result_of(kind, data, what="this JSON")


def from_backtest(backtest: Any, grid_point: Mapping[str, Any] | None = None) -> BacktestResult:
    """Build the typed result of a single or walk-forward backtest.

    From a :class:`~scenarios.backtest.scenario.SingleBacktest` or
    :class:`~scenarios.backtest.scenario.WalkForwardBacktest` (anything with ``to_dict()`` in their
    form), with the scenario's grid point when it has one.
    """
    payload = {"schema_version": SCHEMA_VERSION, **to_jsonable(backtest.to_dict())}
    if grid_point:
        payload["grid_point"] = to_jsonable(dict(grid_point))
    # a producer and its model disagreeing is a bug (pydantic's ValidationError), not old data
    model = WalkForwardResult if payload.get("mode") == "walk_forward" else SingleBacktestResult
    return model.model_validate(payload)
