"""A recorded run's realised score: computed once, kept in the store, used while its inputs hold.

A recorded run holds its forecast (quantiles and summaries), not its draws, so scoring it against
realised prices once its horizon has passed means re-running its scenario file with its seed and
draws (the same ensemble), scoring that (:func:`scenarios.backtest.scoring.score_forecast`, and
the portfolio's P&L) and, for an index scenario, simulating the index scheme over the window
(:func:`scenarios.backtest.scenario.index_performance`): about the cost of the run itself, at
every ``scenarios report RUN_ID``. :func:`realised_score` computes the two parts (no draws in
them); :func:`keep` stores them in the run's row of ``run_scores``
(:mod:`scenarios.store.scores`) with the inputs they were computed from, and :func:`kept` returns
them only while every input is what it was:

* ``run``: the run's file as recorded and as it resolves now, its SHA-256, seed, draws, as_of
  and horizon;
* ``code``: a digest of the ``scenarios`` and ``valuation`` packages (sources and package data),
  the Python version and the installed versions of numpy, pandas, scipy and exchange-calendars;
* ``settings``: the ``SCENARIOS_*`` variables that choose the data and the bad-row policy;
* ``files``: the SHA-256 of every file read besides prices: the scenario file and the files it
  extends, the seed files, the reference tables beside the price folder;
* ``prices``: for every symbol read through the price resolver, the range read
  (:meth:`scenarios.data.resolver.Resolver.reads`) and a digest of all of those rows
  (:func:`scenarios.data.fingerprint.frame_digest`), read again to check.

A run whose scenario reads company fundamentals (``from_data``) is not kept (those come from
other sources too): it is scored every time, as before. ``scenarios run`` keeps the score when it
records a run whose horizon has passed (:func:`score_to_record`: the ensemble is in memory then, so
only the scoring is paid), so the run's first report reads it like any later one.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scenarios.engine.result import ScenarioResult
    from scenarios.model.schema import Scenario
    from scenarios.results import RunResult

__all__ = ["INPUTS_VERSION", "UNREAD", "code_digest", "current_inputs", "forecast_score", "index_performance", "keep",
           "kept", "realised_score", "score_to_record", "with_pnl"]

#: Version of the ``inputs`` document: a kept score written under another one is not used.
INPUTS_VERSION = 1

#: Libraries whose version can change the numbers (read from their installed metadata folder).
_LIBRARIES = ("numpy", "pandas", "scipy", "exchange_calendars")

#: ``SCENARIOS_*`` variables that do not choose data (where the store is, waits, progress bars).
_NOT_SETTINGS = frozenset({"SCENARIOS_HOME", "SCENARIOS_STORE_TIMEOUT", "SCENARIOS_PROGRESS"})


# --------------------------------------------------------------------------------------
# the score
# --------------------------------------------------------------------------------------

def forecast_score(result: ScenarioResult) -> dict[str, Any] | None:
    """Return the backtest score of a result whose horizon has passed (None if it cannot be scored)."""
    from scenarios.backtest.forecast import forecast_from_result
    from scenarios.backtest.scoring import score_forecast
    from scenarios.errors import DataError

    bench = next((b for b in (result.benchmarks or {}) if "HSTECH" in b.upper()), None)
    try:
        forecast = forecast_from_result(result, as_of=result.as_of, horizon=result.horizon,
                                        index_benchmark=bench)
        return score_forecast(forecast).to_dict()
    except DataError:
        return None


def with_pnl(score: dict[str, Any] | None, result: ScenarioResult) -> dict[str, Any] | None:
    """``score`` with the realised P&L of the result's portfolio block (when it has one)."""
    if score is None or getattr(result, "pnl", None) is None:
        return score
    from scenarios.backtest.pnl import score_pnl
    from scenarios.errors import DataError

    try:
        return {**score, "pnl": score_pnl(result)}
    except DataError:
        return score


def index_performance(scenario: Scenario, result: ScenarioResult) -> dict[str, Any] | None:
    """Return the scenario's index scheme simulated against HSTECH and HSI.

    Simulated over (as_of, horizon] for ``index_weighting`` scenarios; None for other scenarios, or
    when it cannot run.
    """
    if not any(d.type == "index_weighting" and d.enabled for d in scenario.drivers):
        return None
    from scenarios.backtest.scenario import index_performance as simulate
    from scenarios.errors import DataError

    try:
        perf = simulate(scenario, result.as_of, result.horizon)
    except (DataError, ValueError):
        return None
    return perf if perf.get("levels") else None


def realised_score(scenario: Scenario, result: ScenarioResult) -> dict[str, Any]:
    """Return ``{"score": ..., "counterfactual": ...}`` of a run whose horizon has passed.

    ``score``: :meth:`~scenarios.backtest.scoring.ForecastScore.to_dict` with the portfolio's
    ``pnl`` (None when it cannot be scored); ``counterfactual``: the simulated index of an index
    scenario (None otherwise). What the report of the run shows, and nothing of the draws.
    """
    return {"score": with_pnl(forecast_score(result), result),
            "counterfactual": index_performance(scenario, result)}


# --------------------------------------------------------------------------------------
# the inputs a score was computed from
# --------------------------------------------------------------------------------------

def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


@lru_cache(maxsize=1)
def code_digest() -> str:
    """Return a digest of the code that computes a score.

    The project's files (:func:`scenarios.pkgmeta.source_digest`), the Python version and the
    installed versions of :data:`_LIBRARIES` (computed once per process).
    """
    from scenarios.pkgmeta import installed_version, source_digest

    h = hashlib.blake2b(digest_size=16)
    h.update(sys.version.encode())
    for name in _LIBRARIES:
        h.update(f"{name}={installed_version(name) or 'absent'};".encode())
    h.update(source_digest().encode())
    return h.hexdigest()


def _settings() -> dict[str, str]:
    from scenarios.data.screen import drop_bad_rows

    out = {k: v for k, v in sorted(os.environ.items()) if k.startswith("SCENARIOS_") and k not in _NOT_SETTINGS}
    out["drop_bad_rows"] = str(drop_bad_rows())
    return out


def _input_folders() -> list[Path]:
    # the reference tables the index simulation reads, found as recon.reference finds them
    from scenarios.recon.reference import _default_reference_dir
    from scenarios.seeds.base import seeds_dir

    return [p for p in (seeds_dir(), _default_reference_dir()) if p is not None]


def _files(chain: list[str]) -> dict[str, str | None] | None:
    """SHA-256 of the scenario chain and of every file in the input folders (None: not keepable)."""
    out: dict[str, str | None] = {}
    for name in chain:
        path = Path(name).resolve()
        try:
            data = path.read_bytes()
        except OSError:
            return None
        if b"from_data" in data:   # fundamentals (store, folder, Yahoo): inputs not checked here
            return None
        out[str(path)] = hashlib.sha256(data).hexdigest()
    for folder in _input_folders():
        for path in sorted(folder.resolve().rglob("*")):
            if path.is_file():
                out[str(path)] = _sha256(path)
    return out


def _prices(reads: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{symbol: [first, last, digest]}`` of the rows of each range, read now from the default source."""
    from scenarios.data import default_source
    from scenarios.data.fingerprint import frame_digest
    from scenarios.errors import DataError

    src = default_source()
    syms = sorted(reads)
    if syms:
        src.prefetch(syms)
    out: dict[str, list[Any]] = {}
    for sym in syms:
        lo, hi = reads[sym]
        lo = None if lo is None else str(lo)[:10]
        hi = None if hi is None else str(hi)[:10]
        try:
            digest = frame_digest(src.get(sym, lo, hi))
        except DataError as exc:
            digest = f"unavailable: {type(exc).__name__}"
        out[sym] = [lo, hi, digest]
    return out


def current_inputs(record: RunResult, chain: list[str], reads: Mapping[str, Any] | None, *,
                   expect: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
    """Return the inputs document of a score of ``record`` (see the module docstring).

    ``chain``: the scenario file and the files it extends; ``reads``: ``{symbol: (first, last)}``
    of the price rows read. None when the score cannot be kept (no file, a file gone,
    fundamentals read), or when ``expect`` is given and the cheap parts (everything but the
    prices) already differ from it: the prices are read again only to confirm a match.
    """
    file = record.file
    if not file or reads is None:
        return None
    files = _files(chain)
    if files is None:
        return None
    out: dict[str, Any] = {
        "version": INPUTS_VERSION,
        "run": {"file": file, "path": str(Path(file).resolve()), "sha256": record.file_sha256,
                "seed": record.seed, "draws": record.draws, "as_of": record.as_of, "horizon": record.horizon},
        "code": code_digest(),
        "settings": _settings(),
        "chain": [str(Path(f).resolve()) for f in chain],
        "files": files,
    }
    if expect is not None and any(expect.get(k) != v for k, v in out.items()):
        return None
    out["prices"] = _prices(reads)
    return out


def _resolver_reads() -> dict[str, Any] | None:
    from scenarios.data import default_source

    reads = getattr(default_source(), "reads", None)
    return reads() if callable(reads) else None


# --------------------------------------------------------------------------------------
# keeping and reading back
# --------------------------------------------------------------------------------------

def _inputs_of(record: RunResult, scenario: Scenario) -> dict[str, Any] | None:
    """Return the inputs document of a score of ``record`` just computed with the default prices."""
    doc = getattr(scenario, "_doc", None)
    chain = list(getattr(doc, "chain", None) or [record.file])
    return current_inputs(record, chain, _resolver_reads())


def keep(run_id: str, record: RunResult, scenario: Scenario, scored: Mapping[str, Any]) -> bool:
    """Keep ``scored`` (:func:`realised_score`) for the recorded run ``run_id``; True when kept.

    Call it right after computing ``scored`` with the default price source: the source's read log
    then names every price row the run and the scoring read.
    """
    from scenarios.store.scores import keep_score

    inputs = _inputs_of(record, scenario)
    return inputs is not None and keep_score(run_id, inputs, scored)


def score_to_record(record: RunResult) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """Score a run made in this process, to be kept when it is recorded: ``(inputs, scored)``.

    Only for a run whose horizon has passed, made from a scenario file with the default price
    source (:func:`scenarios.api.iter_run` marks those with their scenario), that the file
    would reproduce: its SHA-256 is the recorded one; None otherwise, or when it cannot be
    scored. The draws are in memory, so this costs the scoring only, not the re-run a report
    would need. :func:`scenarios.api.record` writes the pair with the run, on one store
    connection (:func:`scenarios.store.scores.score_writer`).
    """
    import datetime as dt

    scenario = record._scenario
    if scenario is None or record._engine is None or not record.file:
        return None
    if dt.date.fromisoformat(str(record.horizon)[:10]) > dt.date.today():
        return None
    if _sha256(Path(record.file)) != record.file_sha256:
        return None
    from scenarios.errors import ScenariosError

    try:
        scored = realised_score(scenario, record._engine)
        inputs = _inputs_of(record, scenario)
    except ScenariosError:  # e.g. a bad realised close: the report says so when it scores the run
        return None
    return None if inputs is None else (inputs, scored)


#: ``kept(..., entry=UNREAD)``: the kept score is read from the store by :func:`kept` itself
UNREAD: Any = object()


def kept(record: RunResult, run_id: str, *, entry: Any = UNREAD) -> dict[str, Any] | None:
    """Return the kept :func:`realised_score` of ``record`` while all its inputs hold, else None.

    ``entry``: the kept ``(inputs, payload)`` (or None: nothing kept) when already read from the
    store with :func:`scenarios.store.scores.kept_score` (default: read here).
    """
    from scenarios.store.scores import kept_score

    entry = kept_score(run_id) if entry is UNREAD else entry
    if entry is None:
        return None
    inputs, scored = entry
    try:
        chain = [str(f) for f in inputs["chain"]]
        reads = {str(s): (v[0], v[1]) for s, v in inputs["prices"].items()}
    except (KeyError, TypeError, AttributeError, IndexError):
        return None
    if inputs.get("version") != INPUTS_VERSION or inputs.get("code") != code_digest():
        return None
    now = current_inputs(record, chain, reads, expect=inputs)
    return scored if now is not None and now == inputs else None
