"""Checks beyond the schema: cross-field rules (static) and rules that need prices (data).

Errors are located :class:`~scenarios.errors.ScenarioError`; warnings are located
:class:`ScenarioWarning` (a value that is legal but probably not what was meant, such as
``growth: 35`` where 0.35 was meant).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from scenarios.errors import ScenarioError, one_line
from scenarios.model.distributions import _Dist
from scenarios.model.drivers import CheckContext, spec_of
from scenarios.model.references import (
    ResolveError,
    driver_targets,
    fx_rate,
    price_currency,
    reporting_currency,
    resolve_universe,
)

#: fraction fields where |value| >= this looks like a percent typed as a number
PERCENT_THRESHOLD = 2.0
_FRACTION_FIELDS = ("growth", "shock", "change", "uplift")


@dataclass(frozen=True)
class ScenarioWarning:
    """A located warning: ``file:line:col field: warning: message``."""

    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    field: str | None = None

    def format(self) -> str:
        """Return the one-line warning: location, field, then the message (shown with :func:`one_line`)."""
        loc = ":".join(one_line(str(p)) for p in (self.file, self.line, self.column) if p is not None)
        head = " ".join(p for p in (loc, one_line(self.field or "")) if p)
        return f"{head}: warning: {one_line(self.message)}" if head else f"warning: {one_line(self.message)}"

    def __str__(self) -> str:
        return self.format()

    def to_dict(self) -> dict[str, Any]:
        """Return the warning as a JSON-ready dict."""
        return {"message": self.message, "file": self.file, "line": self.line,
                "column": self.column, "field": self.field}


def warning_at(doc: Any, path: tuple[str | int, ...], message: str) -> ScenarioWarning:
    """Return a warning located at ``path`` of the document ``doc``."""
    e = doc.error(path, message)
    return ScenarioWarning(message, e.file, e.line, e.column, e.field)


def _percent_values(value: Any) -> list[float]:
    """Numbers in a raw parameter (a number, or a distribution mapping) that set its level."""
    def num(x: Any) -> bool:
        return isinstance(x, (int, float)) and not isinstance(x, bool)

    if num(value):
        return [float(value)]
    if isinstance(value, dict) and "dist" in value:
        vals: list[Any] = []
        for k in ("mean", "median", "low", "mode", "high"):
            vals.append(value.get(k))
        if isinstance(value.get("values"), list):
            vals.extend(value["values"])
        return [float(v) for v in vals if num(v)]
    return []


def percent_warnings(doc: Any) -> list[ScenarioWarning]:
    """Located warnings for fraction parameters written like percents (``growth: 35``).

    Works on the raw document, so it also runs when the schema rejects the file.
    """
    out: list[ScenarioWarning] = []
    mc = doc.data.get("monte_carlo") if isinstance(doc.data, dict) else None
    res = mc.get("residual") if isinstance(mc, dict) else None
    if isinstance(res, dict):
        vols = [(("monte_carlo", "residual", "vol"), res.get("vol"))]
        if isinstance(res.get("by_symbol"), dict):
            vols += [(("monte_carlo", "residual", "by_symbol", k), v) for k, v in res["by_symbol"].items()]  # type: ignore[misc]
        for path, v in vols:
            if isinstance(v, (int, float)) and not isinstance(v, bool) and v >= PERCENT_THRESHOLD:
                out.append(warning_at(doc, path, f"vol {v:g} looks like a percent: it is an annualized "
                                      f"fraction, so it means {v * 100:g}% a year; write {v / 100:g} for {v:g}%"))
    drivers = doc.data.get("drivers") if isinstance(doc.data, dict) else None
    if not isinstance(drivers, list):
        return out
    for i, d in enumerate(drivers):
        if not isinstance(d, dict):
            continue
        for f in _FRACTION_FIELDS:
            big = [x for x in _percent_values(d.get(f)) if abs(x) >= PERCENT_THRESHOLD]
            if big:
                x = big[0]
                out.append(warning_at(doc, ("drivers", i, f),
                                      f"{x:g} looks like a percent: fractions are used, so it "
                                      f"means {x * 100:+g}%; write {x / 100:g} for {x:g}%"))
    return out


_CLAIM_IDS: dict[str, tuple[str, set[str] | None]] = {}

#: the claim-id cache file under ``$SCENARIOS_HOME`` (see :func:`_claim_ids`)
CLAIM_IDS_CACHE = "claim-ids.json"
_CLAIM_IDS_FORMAT = 1


def _claim_ids() -> set[str] | None:
    """Return the ids of the claims in ``seeds/claims.yaml`` (``$SCENARIOS_SEEDS``).

    None when there is no readable claims file (nothing to check against).

    Only the ids are read, with libyaml when available and without the pydantic claim models
    (building and validating them cost every run about 70 ms of CPU); the file's own problems
    are reported by ``scenarios claims``. The ids are kept per file content (a BLAKE2b hash of its
    bytes): in this process, and between processes in ``$SCENARIOS_HOME/claim-ids.json``, so a
    later run reads the file's bytes but does not parse them again; a changed file is parsed anew
    (and the cache rewritten), a damaged or unwritable cache only costs speed.
    """
    import hashlib

    try:
        from scenarios.seeds.base import CLAIMS_FILE, seed_path
    except ImportError:
        return None
    path = seed_path(None, CLAIMS_FILE)
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    digest = hashlib.blake2b(raw, digest_size=16).hexdigest()
    hit = _CLAIM_IDS.get(str(path))
    if hit is not None and hit[0] == digest:
        return hit[1]
    cached = _stored_claim_ids(digest)
    ids = cached[0] if cached is not None else _parse_claim_ids(raw)
    if cached is None:
        _store_claim_ids(digest, ids)
    _CLAIM_IDS[str(path)] = (digest, ids)
    return ids


def _parse_claim_ids(raw: bytes) -> set[str] | None:
    """Return the claim ids of a claims file's bytes (None: not a readable claims file)."""
    import yaml

    try:
        data = yaml.load(raw.decode("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        claims = data.get("claims") if isinstance(data, dict) else None
        if isinstance(claims, list) and all(isinstance(c, dict) and isinstance(c.get("id"), str)
                                            for c in claims):
            return {c["id"] for c in claims}
    except (UnicodeDecodeError, yaml.YAMLError):
        pass
    return None


def _claim_ids_file() -> Any:
    from scenarios.paths import home

    return home() / CLAIM_IDS_CACHE


def _stored_claim_ids(digest: str) -> tuple[set[str] | None] | None:
    """Return ``(ids,)`` stored for the claims file whose bytes hash to ``digest``; None if not stored."""
    import json

    try:
        data = json.loads(_claim_ids_file().read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):  # RecursionError: a cache file nested too deep
        return None
    if not isinstance(data, dict) or data.get("format") != _CLAIM_IDS_FORMAT or data.get("blake2b") != digest:
        return None
    ids = data.get("ids")
    if ids is None:
        return (None,)
    if isinstance(ids, list) and all(isinstance(i, str) for i in ids):
        return (set(ids),)
    return None


def _store_claim_ids(digest: str, ids: set[str] | None) -> None:
    """Write the cache file atomically (an unwritable home only costs speed)."""
    import json

    from scenarios.paths import write_cache

    path = _claim_ids_file()
    payload = {"format": _CLAIM_IDS_FORMAT, "blake2b": digest, "ids": None if ids is None else sorted(ids)}
    text = json.dumps(payload)
    write_cache(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def static_checks(scenario: Any, doc: Any) -> tuple[list[ScenarioError], list[ScenarioWarning]]:
    """Cross-field checks that need no prices. Returns (errors, warnings)."""
    errors: list[ScenarioError] = []
    warnings: list[ScenarioWarning] = percent_warnings(doc)
    s = scenario

    horizon = s.horizon_date()
    if horizon <= s.as_of:
        errors.append(doc.error(("horizon",), f"must be after as_of ({s.as_of}) (got {horizon})"))
    else:
        from scenarios.model.schema import MAX_HORIZON_YEARS
        from scenarios.periods import add_months

        if horizon > add_months(s.as_of, 12 * MAX_HORIZON_YEARS):
            errors.append(doc.error(("horizon",), f"must be at most {MAX_HORIZON_YEARS} years after "
                                    f"as_of ({s.as_of}) (got {horizon})"))

    try:
        universe = resolve_universe(s)
    except ResolveError as exc:
        errors.append(doc.error(exc.path, exc.message))
        universe = None

    # baseline keys, benchmarks
    for sym in s.baseline:
        if universe is not None and sym not in universe:
            key = raw_key(doc, ("baseline",), sym)
            errors.append(doc.error(("baseline", key), f"baseline for {sym}, which is not in "
                                    "the universe", key=True))
    for sym, b in s.baseline.items():
        if b.eps is not None and not b.eps.value > 0:
            errors.append(doc.error(("baseline", raw_key(doc, ("baseline",), sym), "eps"),
                                    "must be > 0: the price model divides the close by EPS "
                                    f"(got {b.eps.value:g}); leave eps out for a loss-making company"))
        for f in ("eps", "pe", "dividend_yield", "tax_rate"):
            v = getattr(b, f)
            if v is not None and v.unit != "1":
                errors.append(doc.error(("baseline", raw_key(doc, ("baseline",), sym), f, "unit"),
                                        f"{f} is per share or a ratio: it takes no unit (got {v.unit!r})"))
    errors.extend(_theme_name_errors(s, doc))
    seen_b: set[str] = set()
    for i, b in enumerate(s.benchmarks):
        if b in seen_b:
            errors.append(doc.error(("benchmarks", i), f"{b} is listed twice"))
        seen_b.add(b)

    # claims
    ids = _claim_ids()
    if ids is not None:
        for i, c in enumerate(s.narrative.claims):
            if c not in ids:
                errors.append(doc.error(("narrative", "claims", i), f"unknown claim id {c!r}"))
        for i, d in enumerate(s.drivers):
            for j, c in enumerate(d.claims):
                if c not in ids:
                    errors.append(doc.error(("drivers", i, "claims", j), f"unknown claim id {c!r}"))
    _check_articles(s, doc, errors)

    # drivers
    labels: dict[str, int] = {}
    counts: dict[str, int] = {}
    for i, d in enumerate(s.drivers):
        name = d.name
        if d.label is not None and one_line(d.label) != d.label:  # a control character in it
            errors.append(doc.error(("drivers", i, "label"), "a driver label is one line without control "
                                    "characters: it names the driver in tables and in options such as "
                                    f"--vary drivers[LABEL].PARAM (got '{one_line(d.label)}')"))
        if name in labels:
            where = ("drivers", i, "label") if d.label else ("drivers", i, "type")
            errors.append(doc.error(where, f"driver name {name!r} is used twice (drivers[{labels[name]}] "
                                    "has it); give each driver a unique label"))
        labels.setdefault(name, i)
        counts[d.type] = counts.get(d.type, 0) + 1
        if spec_of(d.type).single and counts[d.type] > 1:
            errors.append(doc.error(("drivers", i, "type"), f"only one {d.type} driver is allowed"))
        if not d.enabled or universe is None:
            continue
        try:
            targets = driver_targets(s, i, d, universe)
        except ResolveError as exc:
            errors.append(doc.error(exc.path, exc.message))
            continue
        errors.extend(_driver_needs(s, doc, i, d, targets, universe, horizon))
    if universe is not None:
        errors.extend(_baseline_fx(s, doc, universe))
        from scenarios.model.portfolio import portfolio_errors  # the portfolio block

        errors.extend(portfolio_errors(s, universe, doc.error))
        res = s.monte_carlo.residual
        if res is not None and not isinstance(s.universe, str):  # a named universe changes with as_of
            for sym in res.by_symbol:
                if sym not in universe:
                    raw = raw_key(doc, ("monte_carlo", "residual", "by_symbol"), sym)
                    errors.append(doc.error(("monte_carlo", "residual", "by_symbol", raw),
                                            f"{sym} is not in the universe", key=True))
    return errors, warnings


def raw_key(doc: Any, parent: tuple[str | int, ...], sym: str) -> Any:
    """Return the key as written in the file for a normalized symbol key."""
    from scenarios.data.symbols import normalize_symbol

    node = doc.data
    for p in parent:
        node = node[p] if isinstance(node, dict) and p in node else {}
    if isinstance(node, dict):
        for k in node:
            try:
                if normalize_symbol(str(k)) == sym:
                    return k
            except ValueError:
                continue
    return sym


def _theme_name_errors(s: Any, doc: Any) -> list[ScenarioError]:
    """Return an error at each key of ``themes`` holding a control character (a newline, an escape).

    A theme name is referred to by drivers' ``themes``, ``tilts`` and ``exclude`` and shown in
    their messages and notes, like a driver label.
    """
    return [doc.error(("themes", name), "a theme name is one line without control characters: drivers "
                      f"refer to it in themes, tilts and exclude (got '{one_line(name)}')", key=True)
            for name in s.themes if one_line(name) != name]


def _check_articles(s: Any, doc: Any, errors: list[ScenarioError]) -> None:
    if not s.narrative.articles:
        return
    bad = [i for i, a in enumerate(s.narrative.articles)
           if "/" in a or "\\" in a or a.startswith(".") or "\x00" in a]
    for i in bad:  # a name, never a path: nothing outside seeds/ is looked at
        errors.append(doc.error(("narrative", "articles", i),
                                "must be an article file name such as 000_a7fbbc5f650d9614.txt "
                                "(no folders: articles are looked up in seeds/)"))
    if bad:
        return
    try:
        from scenarios.seeds.base import seeds_dir
    except ImportError:
        return
    folders = [f for f in (seeds_dir(), seeds_dir() / "articles")
               if f.is_dir() and any(f.glob("*.txt"))]
    if not folders:
        return  # the articles are not shipped here: nothing to check against
    for i, a in enumerate(s.narrative.articles):
        if not any((f / a).is_file() for f in folders):
            errors.append(doc.error(("narrative", "articles", i),
                                    f"no article {a!r} in {folders[0]}"))


def _dated(b: Any, f: str) -> bool:
    """Return True when ``f`` is a dated series (``eps: {2024-12-31: 23.5}``), resolved at as_of."""
    dated = getattr(b, "dated", None)
    return dated is not None and getattr(dated, f, None) is not None


def _asks_data(b: Any, f: str) -> bool:
    """Return True when ``f`` is to be filled at as_of.

    From data (``eps: from_data``, ``from_data: true``) or from a dated series
    (``eps: {2024-12-31: 23.5}``).
    """
    return (bool(getattr(b, "from_data", False)) or f in (getattr(b, "data_items", None) or {})
            or _dated(b, f))


def missing_baseline(s: Any, d: Any, targets: list[str]) -> str | None:
    """Why ``d`` cannot act on ``targets`` for lack of baseline fundamentals (None if it can).

    The fields each kind needs come from its :class:`~scenarios.model.drivers.DriverSpec`.
    """
    fields = spec_of(d.type).baseline_needs(d)
    valuation = getattr(s, "valuation", None)
    if valuation is not None and valuation.method != "pe":  # fcf_yield, dcf: the measure is FCF per share
        fields = tuple("fcf" if f == "eps" else f for f in fields)
    for sym in targets:
        b = s.baseline.get(sym)
        missing = [f for f in fields if b is None or (getattr(b, f) is None and not _asks_data(b, f))]
        if missing:
            return (f"{d.type} needs baseline {' and '.join(fields)} for {sym} "
                    f"(missing: {', '.join(missing)})")
    return None


def _driver_needs(s: Any, doc: Any, i: int, d: Any, targets: list[str], universe: list[str],
                  horizon: dt.date) -> list[ScenarioError]:
    """Baseline needs, the FX of money drivers and the kind's own check (all from its spec)."""
    spec = spec_of(d.type)
    errors: list[ScenarioError] = []
    path = ("drivers", i)
    why = missing_baseline(s, d, targets)
    if why:
        errors.append(doc.error(path + ("type",), why))
    if spec.money and not errors:
        for sym in targets:
            ccy = d.currency or reporting_currency(s, sym)
            try:
                fx_rate(s, sym, ccy, override=d.fx, path=path + ("currency",))
            except ResolveError as exc:
                errors.append(doc.error(exc.path if d.currency else path + ("type",), exc.message))
                break
    if spec.check is not None:
        ctx = CheckContext(scenario=s, driver=d, position=i, targets=targets, universe=universe,
                           horizon=horizon, raw_key=lambda parent, sym: raw_key(doc, parent, sym))
        errors.extend(doc.error(path + p.path, p.message, key=p.key) for p in spec.check(ctx))
    return errors


def _baseline_fx(s: Any, doc: Any, universe: list[str]) -> list[ScenarioError]:
    errors: list[ScenarioError] = []
    for sym, b in s.baseline.items():
        if sym not in universe:
            continue
        if any(getattr(b, f) is not None or (f != "ebitda" and _dated(b, f))
               for f in ("eps", "sales", "net_debt", "ebitda")):
            ccy = b.currency or None
            if ccy is None:
                continue
            try:
                fx_rate(s, sym, ccy)
            except ResolveError as exc:
                raw = raw_key(doc, ("baseline",), sym)
                errors.append(doc.error(("baseline", raw, "currency"), exc.message))
    return errors


# ------------------------------------------------------------------ checks with prices


class _Facts:
    """What the price checks need of one symbol's history up to a date, from one read.

    Dates, closes, flat-bar kinds, the last usable bar before each row and the running count of
    valid closes. Every fact about row ``i`` depends on rows ``<= i`` only (a stale bar is told from
    its predecessor), so a lookup at ``as_of`` equals a check on the history cut at ``as_of``.
    """

    def __init__(self, frame: Any) -> None:
        import numpy as np

        from scenarios.data.flatbars import flat_bars

        self.index = frame.index
        self.dates = frame.index.to_numpy(dtype="datetime64[ns]")
        self.close = frame["close"].to_numpy(dtype="float64", na_value=np.nan)
        with np.errstate(invalid="ignore"):
            self.bad = ~np.isfinite(self.close) | (self.close <= 0)  # screen.bad_close_dates
            counted = (self.close > 0) & (self.close == self.close)  # _residual_history's count
        stale, kinds = flat_bars(frame)
        pos = np.arange(len(frame))
        #: index of the last non-stale bar on or before each row (-1: none)
        self.last_kept = np.maximum.accumulate(np.where(~stale, pos, -1)) if len(frame) else pos
        self.valid_count = np.cumsum(counted)
        self.kind = kinds

    def rows_until(self, as_of: Any) -> int:
        import numpy as np

        return int(np.searchsorted(self.dates, as_of.to_datetime64(), side="right"))


class _FactsCache:
    """Per-source, per-symbol :class:`_Facts` read once up to ``until``.

    ``until`` is a walk-forward's last as_of; the facts are shared by every window's
    :func:`data_checks`.
    """

    def __init__(self, until: Any) -> None:
        import pandas as pd

        self.until = pd.Timestamp(until).normalize()
        self.facts: dict[tuple[int, str], _Facts | None] = {}
        self.sources: list[Any] = []  # keeps the sources alive while their ids are keys

    @contextmanager
    def active(self) -> Iterator[None]:
        """Use this cache in the :func:`data_checks` run inside the block."""
        token = _FACTS.set(self)
        try:
            yield
        finally:
            _FACTS.reset(token)

    def get(self, source: Any, sym: str, view: Any = None) -> _Facts | None:
        """Return the facts of ``sym`` from ``source`` up to ``until`` (None: the ordinary path decides).

        ``view``: a :class:`~scenarios.data.view.PriceView` on ``source`` whose ``as_of`` is
        ``until`` (a single run's checks): its history holds exactly the rows ``source.get(sym,
        None, until)`` gives (none after ``until``), and reading through it fills the view's cache
        for the run's later reads instead of reading the symbol from the source twice.
        """
        key = (id(source), sym)
        if key not in self.facts:
            if not any(s is source for s in self.sources):
                self.sources.append(source)
            same = view is not None and view.reads_from(source) and view.as_of == self.until
            try:
                self.facts[key] = _Facts(view.history(sym) if same else source.get(sym, None, self.until))
            except Exception:  # noqa: BLE001 - the window's own check reads it and says why
                self.facts[key] = None
        return self.facts[key]


_FACTS: ContextVar[_FactsCache | None] = ContextVar("scenarios_data_check_facts", default=None)


def data_check_cache(until: Any) -> _FactsCache:
    """Return a cache for the :func:`data_checks` of many as_of dates up to ``until``.

    ``until`` is the last as_of of a walk-forward's windows. Inside ``with cache.active():`` the
    checks read each symbol's history once (up to ``until``) and check every as_of from it, instead
    of reading and scanning the history again in each window. Results are those of the checks on the
    history cut at each as_of; an as_of after ``until`` or anything unusual (no bar, a bad or stale
    close) takes the ordinary path.
    """
    return _FactsCache(until)


def _cached_close(source: Any, sym: str, as_of: Any, view: Any = None
                  ) -> tuple[Any, float, Any, str | None, int] | None:
    """Look up ``sym`` at ``as_of`` in the active :func:`data_check_cache`.

    Returns (day, close, first date, substitution, valid closes) as ``view.last_close`` /
    ``close_substitution`` / ``history`` give them; None when there is no cache or the ordinary path
    must decide. ``view`` (the checks' view at ``as_of``) is read instead of ``source`` when the
    cache ends at its ``as_of`` (see :meth:`_FactsCache.get`).
    """
    cache = _FACTS.get()
    if cache is None or as_of > cache.until:
        return None
    f = cache.get(source, sym, view)
    if f is None:
        return None
    n = f.rows_until(as_of)
    if n == 0:
        return None
    j = int(f.last_kept[n - 1])
    if j < 0 or f.bad[j]:
        return None  # no usable bar, or a bad baseline close: an error or a --drop-bad-rows warning
    day = f.index[j]
    if (as_of - day).days > 10:  # PriceView.last_close's default max_staleness_days
        return None
    from scenarios.data.view import substitution

    last = f.index[n - 1]
    how = substitution(sym, as_of, day, f.kind.get(as_of), last == as_of, f.kind.get(day))
    return day, float(f.close[j]), f.index[0], how, int(f.valid_count[n - 1])




def data_checks(scenario: Any, source: Any, *, as_of: dt.date | None = None, view: Any = None,
                found: dict[str, tuple[Any, float, Any]] | None = None,
                notes: list[str] | None = None,
                ) -> tuple[list[ScenarioError], list[ScenarioWarning]]:
    """Run the checks that need the price source.

    Every symbol and benchmark has a close on or before ``as_of`` (never later), and a baseline
    ``pe`` agrees with the P/E implied by that close.

    ``found`` (optional dict) receives ``symbol -> (last date, close, first date)`` of every
    series read, so a caller does not read them again. ``notes`` (optional list) receives one
    sentence per kind of close that stands in for ``as_of`` (a stale bar or a missing session
    replaced by the session before, a real half-day close used): what a run reports, not a
    problem of the file.
    """
    from scenarios.data.view import PriceView

    errors: list[ScenarioError] = []
    warnings: list[ScenarioWarning] = []
    doc = scenario._doc
    as_of = as_of or scenario.as_of
    try:
        universe = resolve_universe(scenario, as_of)
    except ResolveError as exc:
        return [doc.error(exc.path, exc.message)], warnings
    view = view if view is not None else PriceView(source, as_of)
    src_name = getattr(source, "name", type(source).__name__)
    named = isinstance(scenario.universe, str)
    items = [(s, ("universe",) if named else ("universe", i)) for i, s in enumerate(universe)]
    items += [(b, ("benchmarks", i)) for i, b in enumerate(scenario.benchmarks)]
    view.prefetch([sym for sym, _ in items])  # one store query instead of one per symbol
    if _FACTS.get() is None:  # one pass over each history (not one per check) in a single run too
        with data_check_cache(view.as_of).active():
            return _data_checks(scenario, source, as_of, view, universe, items, named, src_name,
                                found, notes, errors, warnings)
    return _data_checks(scenario, source, as_of, view, universe, items, named, src_name,
                        found, notes, errors, warnings)


def _data_checks(scenario: Any, source: Any, as_of: dt.date, view: Any, universe: list[str],
                 items: list[tuple[str, tuple[Any, ...]]], named: bool, src_name: str,
                 found: dict[str, tuple[Any, float, Any]] | None, notes: list[str] | None,
                 errors: list[ScenarioError], warnings: list[ScenarioWarning],
                 ) -> tuple[list[ScenarioError], list[ScenarioWarning]]:
    from scenarios.errors import DataUnavailableError

    doc = scenario._doc
    closes: dict[str, float] = {}
    unpriced: list[str] = []  # members of a named universe without a close: left out
    substituted: dict[str, list[str]] = {"stale": [], "missing": [], "half_day": []}
    known: list[str] | None = None  # symbols the source has offline (read at the first miss)
    explained = False
    valid_counts: dict[str, int] = {}  # valid closes on or before as_of, from the facts cache
    for sym, path in items:
        member = named and path == ("universe",)
        hit = _cached_close(source, sym, view.as_of, view)
        if hit is not None:
            day, close, first, how, valid_counts[sym] = hit
            closes[sym] = close
            if found is not None:
                found[sym] = (day, close, first)
            if how is not None:
                substituted[how].append(f"{sym} ({day.date()})" if how != "half_day" else sym)
            continue
        try:
            hist = view.history(sym)
        except DataUnavailableError as exc:
            if known is None:
                known = _offline_symbols(source)
            if not known:  # nothing offline at all: the environment, not the symbol, is the cause
                errors.append(doc.error(path, str(exc) if not explained else
                                        f"no price data for {sym} either (see the first error)"))
                explained = True
            elif member:
                unpriced.append(sym)
            else:
                errors.append(doc.error(path, f"unknown symbol {sym}: the price source ({src_name}) "
                                        "has no data for it" + _suggest(sym, known)))
            continue
        try:
            day, close = view.last_close(sym)
            closes[sym] = close
            if found is not None:
                found[sym] = (day, close, hist.index[0])
            how = view.close_substitution(sym, day)
            if how is not None:
                substituted[how].append(f"{sym} ({day.date()})" if how != "half_day" else sym)
        except DataUnavailableError as exc:
            if member:
                unpriced.append(sym)
            else:
                errors.append(doc.error(path, str(exc)))
    if unpriced:
        kept = len(universe) - len(unpriced)
        text = (f"{len(unpriced)} of the {len(universe)} members of universe {scenario.universe!r} on "
                f"{as_of} have no close on or before that date in the price source ({src_name}) and "
                f"are left out: {', '.join(unpriced)}")
        if kept == 0:
            errors.append(doc.error(("universe",), text.replace(" and are left out", "")))
        else:
            warnings.append(warning_at(doc, ("universe",), text))
    said = {"stale": f"stale bar on {as_of} (flat, volume 0, close repeated): the last valid "
                     "session before it is used",
            "missing": f"no bar on the {as_of} session: the last valid session before it is used",
            "half_day": f"the {as_of} close is a flat volume-0 half-day bar whose close moved: a "
                        "real close, used"}
    for how, syms in substituted.items():
        if syms and notes is not None:
            notes.append(f"as_of: {said[how]}: {', '.join(syms)}")
    errors.extend(_residual_history(scenario, doc, view, [s for s in universe if s in closes],
                                    valid_counts))
    errors.extend(_market_cap_sanity(scenario, doc, closes))
    for sym, b in scenario.baseline.items():
        if b.pe is None or b.eps is None or sym not in closes or b.eps.value <= 0:
            continue
        try:
            fx = fx_rate(scenario, sym, reporting_currency(scenario, sym))
        except ResolveError:
            continue
        if isinstance(fx, _Dist):
            continue
        implied = closes[sym] / (b.eps.scaled * float(fx))
        ratio = b.pe.value / implied
        if not 2 / 3 <= ratio <= 1.5:
            raw = raw_key(doc, ("baseline",), sym)
            warnings.append(warning_at(doc, ("baseline", raw, "pe"),
                                       f"pe {b.pe.value:g} is far from the P/E implied by the {as_of} "
                                       f"close and eps ({implied:.1f}); the engine uses the implied one"))
    return errors, warnings


def _offline_symbols(source: Any) -> list[str]:
    """Symbols the source has without the network (store and CSV folder); [] when unknown."""
    symbols = getattr(source, "symbols", None)
    try:
        return list(symbols()) if callable(symbols) else []
    except Exception:  # noqa: BLE001 - a listing problem must not hide the real error
        return []


def _suggest(sym: str, known: list[str]) -> str:
    """``; did you mean 0700.HK, 0788.HK?`` from the closest known symbols (or nothing)."""
    import difflib

    close = difflib.get_close_matches(sym.upper(), [k.upper() for k in known], n=3, cutoff=0.8)
    return f"; did you mean {', '.join(close)}?" if close else ""


#: Rough HKD per unit of a price currency, for the market-cap plausibility check only (the
#: bounds are three orders of magnitude apart; the engine never uses these rates).
_HKD_PER_UNIT = {"HKD": 1.0, "USD": 7.8, "CNY": 1.08, "EUR": 8.5, "GBP": 9.9, "JPY": 0.052}
#: Plausible market capitalisations, HKD (Alphabet is about HKD 32trn).
MARKET_CAP_BOUNDS_HKD: tuple[float, float] = (1e9, 100e12)


def _market_cap_sanity(scenario: Any, doc: Any, closes: dict[str, float]) -> list[ScenarioError]:
    """Check that ``shares`` give a plausible market cap.

    ``shares`` x the as_of close must give a market cap between HKD 1bn and 100trn (in the
    price currency's rough HKD equivalent): a count typed without its ``unit`` (``shares: 6.1``
    for 6.1bn) is otherwise silently a company worth a few hundred dollars.
    """
    errors: list[ScenarioError] = []
    lo, hi = MARKET_CAP_BOUNDS_HKD
    for sym, b in scenario.baseline.items():
        if b.shares is None or sym not in closes:
            continue
        rate = _HKD_PER_UNIT.get(price_currency(sym))
        if rate is None:
            continue
        cap = closes[sym] * b.shares.scaled * rate
        if not lo <= cap <= hi:
            raw = raw_key(doc, ("baseline",), sym)
            hint = " (unit: bn?)" if cap < lo else " (unit too large?)"
            errors.append(doc.error(
                ("baseline", raw, "shares"),
                f"shares x the close of {closes[sym]:,.2f} gives a market cap of about HKD "
                f"{_hkd_text(cap)}, outside HKD 1bn..100trn{hint} (got {b.shares.value:g}"
                f"{'' if b.shares.unit == '1' else ' ' + b.shares.unit})"))
    return errors


def _hkd_text(x: float) -> str:
    for div, tag in ((1e12, "trn"), (1e9, "bn"), (1e6, "m")):
        if abs(x) >= div:
            return f"{x / div:,.3g}{tag}"
    return f"{x:,.0f}"


def _residual_history(scenario: Any, doc: Any, view: Any, symbols: list[str],
                      valid_counts: dict[str, int] | None = None) -> list[ScenarioError]:
    """Check the history ``monte_carlo.residual`` needs for an estimated vol.

    With ``history`` or ``ewma`` it needs ``min_days`` daily returns in the last ``lookback_days``,
    with ``garch`` ``max(min_days, 100)`` in the last ``garch_days``, on or before as_of for every
    symbol it applies to; the error is located at ``vol`` or at the symbol's ``by_symbol`` entry,
    whichever asked.
    """
    cfg = scenario.monte_carlo.residual
    if cfg is None:
        return []
    from valuation.volatility import MIN_GARCH_OBS

    errors: list[ScenarioError] = []
    for sym in symbols:
        model = cfg.by_symbol.get(sym, cfg.vol)
        if not isinstance(model, str):
            continue
        window = cfg.garch_days if model == "garch" else cfg.lookback_days
        need = max(cfg.min_days, MIN_GARCH_OBS) if model == "garch" else cfg.min_days
        if valid_counts is not None and sym in valid_counts:
            valid = valid_counts[sym]
        else:
            close = view.close(sym).to_numpy(dtype="float64", na_value=float("nan"))
            valid = int(((close > 0) & (close == close)).sum())
        n = min(window, max(valid - 1, 0))  # = len(residual.log_returns(...))
        if n < need:
            path: tuple[Any, ...] = ("monte_carlo", "residual", "vol")
            if sym in cfg.by_symbol:
                path = ("monte_carlo", "residual", "by_symbol",
                        raw_key(doc, ("monte_carlo", "residual", "by_symbol"), sym))
            errors.append(doc.error(path, f"vol {model}: {sym} has {n} daily returns on or before "
                                          f"{view.as_of.date()} (needs {need}); give it a vol in "
                                          f"by_symbol" + (" or lower min_days" if need == cfg.min_days else "")))
    return errors
