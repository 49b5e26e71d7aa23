"""Independent tasks, serial or on Dask: the one seam every sweep goes through.

:func:`map_tasks` (and its lazy form :func:`imap_tasks`) applies ``fn(source, task)`` to each
task. With ``workers`` None or 1 and no ``scheduler`` it is a plain loop in this process over
the caller's price source (exactly the serial code path). With ``workers`` > 1 it starts a
local Dask cluster of processes (``LocalCluster(n_workers=N, threads_per_worker=1,
processes=True)``); with ``scheduler="tcp://HOST:PORT"`` it sends the tasks to an existing
``dask.distributed`` cluster.

Rules the parallel path keeps:

* **Bit-identical results.** A task is the same function call as in the serial loop; seeds
  belong to the task (a grid point's, a window's), never to a worker, and results are
  returned in task order.
* **Workers open no files.** The client resolves the price frames a task reads into a
  :class:`Panel` (full history per symbol, from the caller's source) and ships it; on a worker
  ``fn`` gets a :class:`PanelSource` over that panel and nothing else. A task that asks for a
  symbol the panel lacks is reported back as a miss (even if the engine swallowed the error);
  the client loads the symbol from its own source and re-sends the task with the larger panel.
  So remote workers need no price folder and never open the store; only the client writes to
  the store (callers record after the results come back). Company fundamentals, forward
  estimates and the reporting-lag rule that ``from_data`` baselines read travel the same way
  (:mod:`scenarios.data.fundamentals.shipped`: a listing a task misses is resolved here and the
  task re-sent), so workers open no fundamentals folder either.
* **The same build everywhere.** Before the first task, :func:`check_cluster` compares this
  process's :func:`fingerprint` (package version, a hash of the ``scenarios`` and ``valuation``
  sources, the numpy/scipy/pandas versions) with every worker's and refuses a cluster that
  differs (:class:`ClusterError`, exit 1); a worker that joins later refuses its task likewise.
* **Progress follows completion**: the bar (:mod:`scenarios.progress`) advances as tasks
  finish (``as_completed``), not in task order.

The panel holds each symbol's full history as the client's source returns it
(``source.get(symbol)``); slicing it gives what ``source.get(symbol, start, end)`` gives for a
CSV folder or the store. With Yahoo online the client fetches a symbol's whole range once
(the serial run fetches the ranges it asks for).

Dask is optional: ``pip install "narrative-scenarios[scale]"``. Asking for workers without it
raises a :class:`~scenarios.errors.ScenarioError` (exit 2) that says so.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pandas as pd

from scenarios.data.base import DateLike
from scenarios.errors import DataUnavailableError, ScenarioError, ScenariosError, foreign_reason

if TYPE_CHECKING:  # the fundamentals modules load when a parallel run starts, not with every `run`
    from scenarios.data.fundamentals.shipped import ShippedFundamentals

__all__ = ["INSTALL_HINT", "ClusterError", "Panel", "PanelMiss", "PanelSource", "build_panel", "check_cluster",
           "check_parallel", "fingerprint", "imap_tasks", "is_parallel", "map_tasks", "panel_seeds", "require_dask"]

T = TypeVar("T")
R = TypeVar("R")

#: What to run when Dask is missing.
INSTALL_HINT = 'pip install "narrative-scenarios[scale]"'


def is_parallel(workers: int | None, scheduler: str | None) -> bool:
    """Tell whether ``workers``/``scheduler`` ask for Dask (workers > 1 or a scheduler address)."""
    return bool(scheduler) or (workers is not None and workers > 1)


def check_parallel(workers: int | None, scheduler: str | None) -> None:
    """Validate ``--workers``/``--scheduler`` before anything runs (:class:`ScenarioError`, exit 2).

    Workers >= 1, not both, a ``tcp://HOST:PORT``-like address, Dask importable.
    """
    if workers is not None and workers < 1:
        raise ScenarioError(f"--workers must be >= 1 (got {workers})", field="--workers")
    if scheduler is not None:
        if workers is not None and workers > 1:
            raise ScenarioError("give --workers N (a local cluster) or --scheduler ADDR (an existing "
                                "one), not both", field="--scheduler")
        if "://" not in scheduler and ":" not in scheduler:
            raise ScenarioError(f"expected a scheduler address like tcp://HOST:8786 (got {scheduler!r})",
                                field="--scheduler")
    if is_parallel(workers, scheduler):
        require_dask("--scheduler" if scheduler else "--workers")
    if scheduler is not None:
        check_address(scheduler, "--scheduler")


def check_address(scheduler: str, field: str = "scheduler") -> None:
    """Raise a :class:`ScenarioError` (exit 2) naming what is wrong with a scheduler address.

    ``field``: the option or argument that gave it (``--scheduler``, or the API's ``scheduler``).
    """
    from scenarios.scheduler import address_problem

    why = address_problem(scheduler)
    if why is not None:
        raise ScenarioError(f"{why} (got {scheduler!r}); expected an address like tcp://HOST:8786", field=field)


def require_dask(option: str = "--workers") -> None:
    """Raise a :class:`ScenarioError` (exit 2) when ``dask.distributed`` cannot be imported.

    The message names :data:`INSTALL_HINT`.
    """
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise ScenarioError(f"parallel runs need Dask, which is not installed: {INSTALL_HINT}",
                            field=option) from None
    except Exception as exc:  # noqa: BLE001 - Dask reads its configuration (DASK_CONFIG, DASK_*) on import
        raise ScenarioError(f"Dask could not start: {foreign_reason(exc)}. Check Dask's configuration "
                            "(the DASK_CONFIG folder, ~/.config/dask, DASK_* variables)", field=option) from None


# ------------------------------------------------------------------------------ the price panel

class ClusterError(ScenariosError):
    """The Dask cluster could not be reached or could not run a task (exit 1).

    A scheduler address nobody answers, or workers without the same narrative-scenarios installed.
    """


class PanelMiss(Exception):
    """A task asked for a symbol its panel does not hold (not a ScenariosError: never shown)."""


@dataclass
class Panel:
    """Price frames the client resolved for the workers (picklable, no handle on any file).

    ``frames``: symbol -> full canonical frame; ``splits``: symbol -> split ratios (when the
    client's source reports them); ``unavailable``: symbol -> the exception the client's
    source raised for it (re-raised on the worker, so a missing symbol fails the same way);
    ``origins``: symbol -> (``source_of``, ``file_of``) for messages and provenance;
    ``name`` and ``listed`` (the source's ``symbols()``) as the client's source has them.
    """

    name: str
    listed: list[str] = field(default_factory=list)
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    splits: dict[str, pd.Series] = field(default_factory=dict)
    unavailable: dict[str, Exception] = field(default_factory=dict)
    origins: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    #: the files of the folder beside the prices (``$SCENARIOS_PRICES/../reference``: the
    #: HSTECH broker weight tables the index reconstruction reads), name -> bytes
    reference: dict[str, bytes] = field(default_factory=dict)
    #: company fundamentals, forward estimates and the reporting-lag rule ``from_data``
    #: baselines read (:mod:`scenarios.data.fundamentals.shipped`); None: none shipped yet
    fundamentals: ShippedFundamentals | None = None
    #: the client's :func:`fingerprint`; a worker with another one refuses the task
    fingerprint: dict[str, str] = field(default_factory=dict)

    def __contains__(self, symbol: str) -> bool:
        return symbol in self.frames or symbol in self.unavailable


def build_panel(source: Any, symbols: Iterable[str], base: Panel | None = None) -> Panel:
    """Build a :class:`Panel` of ``symbols`` read from ``source`` (added to a copy of ``base``).

    Runs on the client only. A symbol the source does not know is kept as the error it raised.
    """
    from scenarios.data.symbols import normalize_symbol

    if base is None:
        try:
            listed = list(source.symbols())
        except Exception:  # noqa: BLE001 - a source that cannot list (Yahoo) lists nothing
            listed = []
        panel = Panel(name=str(getattr(source, "name", type(source).__name__)), listed=listed,
                      reference=_reference_files())
    else:
        panel = replace(base, listed=list(base.listed), frames=dict(base.frames), splits=dict(base.splits),
                        unavailable=dict(base.unavailable), origins=dict(base.origins))
    syms = []
    for s in symbols:
        try:
            syms.append(normalize_symbol(s))
        except ValueError:
            continue
    todo = [s for s in dict.fromkeys(syms) if s not in panel]
    prefetch = getattr(source, "prefetch", None)
    if todo and callable(prefetch):
        prefetch(todo, None, None)
    for sym in todo:
        try:
            panel.frames[sym] = source.get(sym)
        except DataUnavailableError as exc:
            panel.unavailable[sym] = exc
            continue
        splits = getattr(source, "splits", None)
        if callable(splits):
            try:
                panel.splits[sym] = splits(sym)
            except DataUnavailableError:
                pass
        source_of = getattr(source, "source_of", None)
        csv = getattr(source, "csv", None)
        file_of = getattr(csv, "file_of", None) or getattr(source, "file_of", None)
        path = file_of(sym) if callable(file_of) else None
        panel.origins[sym] = (source_of(sym) if callable(source_of) else None,
                              None if path is None else str(path))
    return panel


def _reference_files() -> dict[str, bytes]:
    """Read the client's reference folder (beside ``$SCENARIOS_PRICES``) for the workers."""
    from scenarios.recon.reference import _default_reference_dir

    ref = _default_reference_dir()
    if ref is None:
        return {}
    return {p.name: p.read_bytes() for p in sorted(ref.iterdir()) if p.is_file()}


_WORKER_DIRS: dict[tuple[tuple[str, int], ...], str] = {}


def _worker_environment(panel: Panel) -> None:
    """Set up a worker's environment: it has no price folder of its own.

    When the client had a reference folder, its files go to a private temporary folder laid out like
    the client's (``prices/`` empty, ``reference/`` filled), which ``$SCENARIOS_PRICES`` then names;
    else the variable is emptied.
    """
    if not panel.reference:
        os.environ["SCENARIOS_PRICES"] = ""
        return
    key = tuple(sorted((k, len(v)) for k, v in panel.reference.items()))
    root = _WORKER_DIRS.get(key)
    if root is None:
        import tempfile

        root = tempfile.mkdtemp(prefix="scenarios-worker-")
        (Path(root) / "prices").mkdir()
        (Path(root) / "reference").mkdir()
        for name, data in panel.reference.items():
            (Path(root) / "reference" / name).write_bytes(data)
        _WORKER_DIRS[key] = root
    os.environ["SCENARIOS_PRICES"] = str(Path(root) / "prices")


class PanelSource:
    """The :class:`~scenarios.data.base.PriceSource` a task gets on a worker: slices of the panel's frames.

    A symbol outside the panel is noted in ``misses`` and raises :class:`PanelMiss`; the task is
    then re-run with the symbol added.
    """

    def __init__(self, panel: Panel) -> None:
        self.panel = panel
        self.name = panel.name
        self.misses: set[str] = set()

    def __repr__(self) -> str:
        return f"PanelSource({self.name!r}, {len(self.panel.frames)} symbols)"

    def _frame(self, symbol: str) -> pd.DataFrame:
        from scenarios.data.symbols import normalize_symbol

        sym = normalize_symbol(symbol)
        frame = self.panel.frames.get(sym)
        if frame is not None:
            return frame
        exc = self.panel.unavailable.get(sym)
        if exc is not None:
            raise exc
        self.misses.add(sym)
        raise PanelMiss(sym)

    def get(self, symbol: str, start: DateLike = None, end: DateLike = None) -> pd.DataFrame:
        """Return the panel's daily bars of ``symbol`` between ``start`` and ``end`` (inclusive)."""
        from scenarios.data.csvdir import slice_frame

        return slice_frame(self._frame(symbol), start, end)

    def splits(self, symbol: str) -> pd.Series:
        """Return a copy of the split factors of ``symbol`` (empty when it has none)."""
        from scenarios.data.symbols import normalize_symbol

        self._frame(symbol)
        out = self.panel.splits.get(normalize_symbol(symbol))
        return out.copy() if out is not None else pd.Series(dtype="float64")

    def last_date(self, symbol: str) -> pd.Timestamp | None:
        """Return the date of the last bar of ``symbol`` in the panel; None for an empty frame."""
        frame = self._frame(symbol)
        return frame.index[-1] if len(frame) else None

    def symbols(self) -> list[str]:
        """Return the symbols the client's source listed (not only those in the panel)."""
        return list(self.panel.listed)

    def prefetch(self, symbols: Iterable[str], start: DateLike = None, end: DateLike = None) -> None:
        """Note the symbols the panel lacks (they are fetched by the client for the re-run)."""
        from scenarios.data.symbols import normalize_symbol

        for s in symbols:
            sym = normalize_symbol(s)
            if sym not in self.panel:
                self.misses.add(sym)

    def source_of(self, symbol: str) -> str | None:
        """Return the name of the source the client read ``symbol`` from; None when unknown."""
        from scenarios.data.symbols import normalize_symbol

        return self.panel.origins.get(normalize_symbol(symbol), (None, None))[0]

    def file_of(self, symbol: str) -> Any:
        """Return the client's file of ``symbol`` as a :class:`~pathlib.Path`; None when unknown."""
        from pathlib import Path

        from scenarios.data.symbols import normalize_symbol

        path = self.panel.origins.get(normalize_symbol(symbol), (None, None))[1]
        return None if path is None else Path(path)


class RecordingSource:
    """Wraps the client's source and notes every symbol asked for (to seed a panel)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = getattr(inner, "name", type(inner).__name__)
        self.seen: list[str] = []

    def __getattr__(self, attr: str) -> Any:
        return getattr(self.inner, attr)

    def get(self, symbol: str, start: DateLike = None, end: DateLike = None) -> pd.DataFrame:
        self.seen.append(symbol)
        return self.inner.get(symbol, start, end)


# ------------------------------------------------------------------------------ worker side

@dataclass
class _Done:
    value: Any


@dataclass
class _Missed:
    symbols: list[str]  # prices
    fundamentals: list[str] = field(default_factory=list)  # listings whose fundamentals are missing


@dataclass
class _Raised:
    error: BaseException


@dataclass
class _Mismatch:
    worker: str
    fingerprint: dict[str, str]  # the worker's


def _worker_address() -> str:
    """Return the address of the Dask worker running this task ("this process" outside a worker)."""
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return "this process"


def _remote(fn: Callable[[Any, Any], Any], panel: Panel, task: Any) -> Any:
    """Run one task on a worker over the panel (what Dask executes)."""
    from scenarios.data.fundamentals.shipped import FundamentalsMiss, shipped_to_worker

    if panel.fingerprint and fingerprint() != panel.fingerprint:  # a worker that joined after the check
        return _Mismatch(_worker_address(), fingerprint())
    _worker_environment(panel)
    src = PanelSource(panel)
    with shipped_to_worker(panel.fundamentals) as fund_misses:
        try:
            value: Any = _Done(fn(src, task))
        except (PanelMiss, FundamentalsMiss):
            value = None
        except Exception as exc:  # noqa: BLE001 - handed to the client, raised there in task order
            value = _Raised(exc)
    # a miss wins over the outcome: an engine that caught it may have gone another way, so re-run
    if src.misses or fund_misses:
        return _Missed(sorted(src.misses), sorted(fund_misses))
    if value is None:  # a miss exception that noted nothing (never raised so by this module)
        return _Raised(RuntimeError("a task raised a panel miss without naming what it missed"))
    return value


# ------------------------------------------------------------------------------ same build everywhere

_FINGERPRINT: dict[str, str] | None = None


def fingerprint() -> dict[str, str]:
    """Return this process's build of the project: what must be the same on the client and every worker.

    The package version, a digest of the files of ``scenarios`` and ``valuation``
    (:func:`scenarios.pkgmeta.source_digest`), a digest of the seed files (universes, claims:
    :func:`scenarios.seeds.base.seeds_dir`), and the numpy, scipy and pandas versions.
    Computed once per process.
    """
    global _FINGERPRINT
    if _FINGERPRINT is None:
        from importlib.metadata import version

        import scenarios
        from scenarios.pkgmeta import files_digest, source_digest
        from scenarios.seeds.base import seeds_dir

        _FINGERPRINT = {"narrative-scenarios": scenarios.__version__, "sources": source_digest()[:16],
                        "seeds": files_digest(seeds_dir())[:16],
                        **{lib: version(lib) for lib in ("numpy", "scipy", "pandas")}}
    return dict(_FINGERPRINT)


def _differences(mine: dict[str, str], theirs: dict[str, str]) -> str:
    keys = sorted(set(mine) | set(theirs), key=lambda k: (k not in mine, k))
    return ", ".join(f"{k} {mine.get(k, '(none)')} here, {theirs.get(k, '(none)')} there"
                     for k in keys if mine.get(k) != theirs.get(k))


def mismatch_error(worker: str, theirs: dict[str, str]) -> ClusterError:
    """Return the :class:`ClusterError` that refuses ``worker``, whose :func:`fingerprint` is ``theirs``."""
    return ClusterError(f"the Dask worker {worker} runs another build of narrative-scenarios than this process "
                        f"({_differences(fingerprint(), theirs)}): its results could differ from the serial "
                        "run, so the cluster is refused. Install the same version of narrative-scenarios, "
                        "numpy, scipy and pandas on every worker (README: Scaling out)")


def check_cluster(client: Any, timeout: float = 30.0) -> dict[str, dict[str, str]]:
    """Refuse a cluster whose workers do not run this build (:class:`ClusterError`, exit 1).

    Asks every worker for its :func:`fingerprint` and compares it with this process's; waits up to
    ``timeout`` seconds for a first worker. Returns the workers' fingerprints by address.
    (A worker that joins later is checked by each task it gets: :func:`_remote`.)
    """
    try:
        if not client.scheduler_info().get("workers"):
            client.wait_for_workers(1, timeout=timeout)
        theirs = client.run(fingerprint)
    except TimeoutError:
        raise ClusterError(f"the Dask scheduler has no workers (waited {timeout:g} s); start some with "
                           "`dask worker ADDR --nthreads 1` (README: Scaling out)") from None
    except Exception as exc:  # noqa: BLE001 - e.g. workers without narrative-scenarios at all
        raise ClusterError(f"the Dask workers could not report their build: {foreign_reason(exc)} "
                           "(do they have narrative-scenarios installed? README: Scaling out)") from None
    mine = fingerprint()
    for addr, fp in sorted(theirs.items()):
        if fp != mine:
            raise mismatch_error(addr, fp)
    return dict(theirs)


# ------------------------------------------------------------------------------ client side

def _client(workers: int | None, scheduler: str | None) -> tuple[Any, Any]:
    """(client, cluster or None) for the request."""
    require_dask("--scheduler" if scheduler else "--workers")
    import logging
    import warnings

    from distributed import Client, LocalCluster

    if scheduler:
        from scenarios.scheduler import unreachable

        check_address(scheduler)  # the API's scheduler= comes here without check_parallel
        reason = unreachable(scheduler)
        if reason is None:
            try:
                return Client(scheduler, set_as_default=False, timeout="20s"), None
            except Exception as exc:  # noqa: BLE001 - whatever Dask raises, the cluster is the problem
                reason = foreign_reason(exc, 200)
        raise ClusterError(f"cannot reach the Dask scheduler at {scheduler!r} ({reason}); start one "
                           "with `dask scheduler` (README: Scaling out)")
    # workers get no price folder and no network: everything they read comes in the panel
    n = int(workers or 2)
    try:
        with warnings.catch_warnings():  # the scheduler's HTTP port taken by another cluster: it takes another
            warnings.filterwarnings("ignore", message="Port .* is already in use", category=UserWarning)
            cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=logging.CRITICAL,
                                   env={"SCENARIOS_PRICES": "", "SCENARIOS_FUNDAMENTALS": "",
                                        "SCENARIOS_OFFLINE": "1"})
    except Exception as exc:  # noqa: BLE001 - e.g. DASK_TEMPORARY_DIRECTORY a file, a bad DASK_* setting
        raise ClusterError(f"could not start a local Dask cluster of {n} workers ({foreign_reason(exc)}); "
                           "check Dask's configuration (DASK_* variables, ~/.config/dask)") from None
    return Client(cluster, set_as_default=False), cluster


def imap_tasks(fn: Callable[[Any, T], R], tasks: Sequence[T], *, source: Any = None,
               workers: int | None = None, scheduler: str | None = None,
               symbols: Iterable[str] = (), fundamentals: Iterable[str] = (), progress: str | None = None,
               client: Any = None) -> Iterator[R]:
    """Yield ``fn(source, task)`` for each task, in task order (see the module docstring).

    Parameters
    ----------
    fn : callable
        ``fn(source, task) -> result``; module-level (it is pickled by reference for Dask).
    tasks : sequence
        Independent tasks (picklable).
    source : PriceSource, optional
        The client's price source (default: :func:`scenarios.data.default_source` when
        ``symbols`` are given or a task misses one). Serial runs pass it to ``fn`` as is;
        parallel runs read panels from it.
    workers : int, optional
        > 1: a local cluster of that many single-threaded worker processes.
    scheduler : str, optional
        Address of an existing scheduler (``tcp://HOST:8786``).
    symbols : iterable of str
        Symbols to put in the first panel (the rest are fetched on the first miss).
    fundamentals : iterable of str
        Listings whose fundamentals (``from_data`` baselines) go in the first panel (likewise).
    progress : str, optional
        Label of a progress bar advancing per finished task on Dask (None: no bar; a serial
        loop draws none, its callers keep their own).
    client : distributed.Client, optional
        An existing client to reuse (tests, benchmarks); not closed here.

    Raises
    ------
    ClusterError
        The cluster cannot be reached, has no workers, or a worker runs another build
        (:func:`check_cluster`).
    Exception
        The first failing task's error, in task order, after the results before it.
    """
    tasks = list(tasks)
    if client is None and not is_parallel(workers, scheduler):  # the serial loop, no bar of its own
        for t in tasks:
            yield fn(source, t)
        return
    if source is None and symbols:
        from scenarios.data import default_source

        source = default_source()
    yield from _dask_map(fn, tasks, source, workers, scheduler, list(symbols), list(fundamentals), progress,
                         client)


def _dask_map(fn: Callable[[Any, Any], Any], tasks: list[Any], source: Any, workers: int | None,
              scheduler: str | None, symbols: list[str], fundamentals: list[str], progress: str | None,
              client: Any) -> Iterator[Any]:
    from scenarios.data.fundamentals.shipped import ship_fundamentals
    from scenarios.progress import progress as bar

    own = client is None
    cluster = None
    if own:
        # no more local workers than tasks: each extra one is a process that starts and idles
        client, cluster = _client(min(workers, max(len(tasks), 1)) if workers else workers, scheduler)
    try:
        from distributed import as_completed

        check_cluster(client)
        # no source: tasks that carry their data (a resolved scenario); a miss still works
        panel = build_panel(source, symbols) if source is not None else Panel(name="none")
        panel.fundamentals = ship_fundamentals(fundamentals)
        panel.fingerprint = fingerprint()
        shipped = client.scatter(panel, broadcast=True, hash=False)
        index: dict[str, int] = {}
        futures = []
        for i, t in enumerate(tasks):
            fut = client.submit(_remote, fn, shipped, t, pure=False)
            index[fut.key] = i
            futures.append(fut)
        ac = as_completed(futures, loop=client.loop)
        out: dict[int, Any] = {}
        rounds = [0] * len(tasks)

        def finished() -> Iterator[int]:
            nonlocal panel, shipped, source
            for fut in ac:
                i = index.pop(fut.key)
                try:
                    res = fut.result()  # task errors come back as _Raised: this is the cluster
                except Exception as exc:  # noqa: BLE001 - e.g. a worker that cannot unpickle the task
                    raise ClusterError(f"the Dask workers could not run a task: {foreign_reason(exc)} "
                                       "(do the workers have this version of narrative-scenarios "
                                       "installed?)") from exc
                fut.release()
                if isinstance(res, _Mismatch):
                    raise mismatch_error(res.worker, res.fingerprint)
                if isinstance(res, _Missed):  # grow the panel on the client, send the task again
                    new = [s for s in res.symbols if s not in panel]
                    assert panel.fundamentals is not None
                    new_f = [s for s in res.fundamentals if s not in panel.fundamentals]
                    rounds[i] += 1
                    if rounds[i] > 50:  # each round adds a symbol: this would never end
                        raise ClusterError(f"task {i} keeps asking for data the panel cannot "
                                           f"hold ({', '.join(res.symbols + res.fundamentals)})")
                    if new:
                        if source is None:
                            from scenarios.data import default_source

                            source = default_source()
                        panel = build_panel(source, new, base=panel)
                    if new_f:
                        panel = replace(panel, fundamentals=ship_fundamentals(new_f, panel.fundamentals))
                    if new or new_f:
                        shipped = client.scatter(panel, broadcast=True, hash=False)
                    again = client.submit(_remote, fn, shipped, tasks[i], pure=False)
                    index[again.key] = i
                    ac.add(again)
                    continue
                out[i] = res
                yield i

        done = bar(finished(), total=len(tasks), description=progress) if progress else finished()
        nxt = 0
        for _ in done:
            while nxt in out:
                res = out.pop(nxt)
                if isinstance(res, _Raised):
                    raise res.error
                yield res.value
                nxt += 1
    finally:
        if own:
            client.close()
            if cluster is not None:
                cluster.close()


def panel_seeds(scenarios: Iterable[Any]) -> tuple[list[str], list[str]]:
    """Guess what parallel runs of ``scenarios`` read: ``(price symbols, listings from data)``.

    The scenarios' universes and benchmarks, and the listings whose baselines ask for data
    (``eps: from_data``, ``from_data: true``): the first panel's ``symbols`` and ``fundamentals``
    (:func:`imap_tasks`). The rest reach the workers on their first miss.
    """
    prices: list[str] = []
    listings: list[str] = []
    for s in scenarios:
        uni = getattr(s, "universe", None)
        if isinstance(uni, (list, tuple)):
            prices.extend(str(x) for x in uni)
        prices.extend(str(x) for x in getattr(s, "benchmarks", None) or [])
        for sym, b in (getattr(s, "baseline", None) or {}).items():
            if getattr(b, "from_data", False) or getattr(b, "data_items", None):
                listings.append(str(sym))
    return list(dict.fromkeys(prices)), list(dict.fromkeys(listings))


def map_tasks(fn: Callable[[Any, T], R], tasks: Sequence[T], **kwargs: Any) -> list[R]:
    """:func:`imap_tasks` as a list (same keyword arguments)."""
    return list(imap_tasks(fn, tasks, **kwargs))
