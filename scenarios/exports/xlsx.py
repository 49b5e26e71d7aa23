"""Excel workbooks of results (``--format xlsx --out FOLDER``), written with openpyxl.

A workbook is a list of :class:`Sheet` (title, typed :class:`Column` s, rows); numbers stay
numbers with an Excel number format (fractions as percentages: ``0.1234`` shows ``12.34%``;
log contributions and correlations as plain decimals; prices with thousands separators), never
text. Builders turn each result into sheets: :func:`run_sheets`, :func:`backtest_sheets`,
:func:`set_sheets`, :func:`set_backtest_sheets`; a new sheet (sensitivity ...) is one more
builder whose sheets are appended before :func:`write_workbook`.

openpyxl is optional (the ``xlsx`` extra); without it :func:`write_workbook` raises a
:class:`~scenarios.errors.ScenarioError` saying how to install it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from scenarios.errors import ScenarioError

if TYPE_CHECKING:
    from scenarios.results import RunResult, SetBacktestResult, SetRunResult, SingleBacktestResult, WalkForwardResult

__all__ = ["DECIMAL", "INT", "MONEY", "PCT", "PROB", "TEXT", "Column", "Sheet", "backtest_sheets",
           "run_sheets", "set_backtest_sheets", "set_sheets", "sheets_for", "write_workbook"]

#: Number formats. ``PCT``: fractions of return; ``PROB``: probabilities and shares;
#: ``DECIMAL``: log contributions, correlations, plain ratios; ``MONEY``: prices.
PCT = "0.00%"
PROB = "0.0%"
DECIMAL = "0.0000"
MONEY = "#,##0.00"
INT = "0"
TEXT = "@"

Cell: TypeAlias = "str | float | int | bool | None"
INSTALL_HINT = "pip install 'narrative-scenarios[xlsx]' (or pip install openpyxl)"


@dataclass(frozen=True)
class Column:
    """A column: header, Excel number format (one of the module constants) and width."""

    header: str
    fmt: str = "General"
    width: int = 14


@dataclass
class Sheet:
    """A worksheet: ``title`` (<= 31 characters), ``columns`` and ``rows`` (one value per column)."""

    title: str
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)
    #: per-cell number formats overriding the column's: ``(row index, column index) -> format``
    cell_formats: dict[tuple[int, int], str] = field(default_factory=dict)

    def add(self, *values: Any) -> None:
        """Append one row (one value per column)."""
        if len(values) != len(self.columns):
            raise ValueError(f"sheet {self.title!r}: {len(values)} values for {len(self.columns)} columns")
        self.rows.append(list(values))

    def fmt(self, i: int, j: int) -> str:
        """Return number format of row ``i``, column ``j`` (0-based, header excluded)."""
        return self.cell_formats.get((i, j), self.columns[j].fmt)


def _cell(v: Any) -> Any:
    if v is None or isinstance(v, (bool, int, float)):
        return v
    if isinstance(v, str):
        # text from files is written verbatim but never as a formula
        return "'" + v if v.startswith("=") else v
    return str(v)


def write_workbook(sheets: Sequence[Sheet], path: str | Path) -> Path:
    """Write ``sheets`` to ``path`` (atomically: a temporary file in the same folder, then renamed).

    Returns the path.
    """
    try:
        from openpyxl import Workbook
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter
    except ImportError:
        raise ScenarioError(f"--format xlsx needs openpyxl, which is not installed: {INSTALL_HINT}",
                            field="--format") from None
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    wb.remove(wb.active)
    for sh in sheets:
        ws = wb.create_sheet(sh.title[:31])
        ws.append([c.header for c in sh.columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in sh.rows:
            ws.append([_cell(v) for v in row])
        for j, col in enumerate(sh.columns, start=1):
            ws.column_dimensions[get_column_letter(j)].width = col.width
        for i, row_cells in enumerate(ws.iter_rows(min_row=2, max_row=len(sh.rows) + 1)):
            for j, cell in enumerate(row_cells):
                f = sh.fmt(i, j)
                if f != "General" and isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                    cell.number_format = f
        ws.freeze_panes = "A2"
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".xlsx", dir=out.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


# ------------------------------------------------------------------------------ helpers

def _flatten(data: Any, prefix: str = "") -> Iterable[tuple[str, Any]]:
    if isinstance(data, Mapping):
        for k, v in data.items():
            yield from _flatten(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(data, list) and data and any(isinstance(x, (Mapping, list)) for x in data):
        for i, v in enumerate(data):
            yield from _flatten(v, f"{prefix}[{i}]")
    elif isinstance(data, list):
        yield prefix, ", ".join("" if x is None else str(x) for x in data)
    else:
        yield prefix, data


def _kv_sheet(title: str, items: Iterable[tuple[str, Any]], fmt: Mapping[str, str] | None = None) -> Sheet:
    """Return a two-column field/value sheet; numbers keep their type (format by field name in ``fmt``)."""
    sh = Sheet(title, [Column("field", width=44), Column("value", width=24)])
    for k, v in items:
        f = (fmt or {}).get(k)
        if f is not None:
            sh.cell_formats[(len(sh.rows), 1)] = f
        sh.add(k, v)
    return sh


# ------------------------------------------------------------------------------ runs

def _inputs_sheet(r: RunResult) -> Sheet:
    head = [("name", r.name), ("file", r.file), ("file_sha256", r.file_sha256), ("as_of", r.as_of),
            ("horizon", r.horizon), ("horizon_years", r.horizon_years), ("draws", r.draws), ("seed", r.seed),
            ("return_kind", r.return_kind), ("index_scheme", r.index_scheme)]
    return _kv_sheet("inputs", [*head, *(("inputs." + k, v) for k, v in _flatten(
        {k: v for k, v in r.inputs.items() if k != "resolved"}))])


SUMMARY_COLUMNS = [
    Column("line"), Column("symbol", width=26), Column("return kind"), Column("currency"),
    Column("baseline price", MONEY), Column("median price", MONEY), Column("price 5%", MONEY),
    Column("price 95%", MONEY), Column("expected return", PCT), Column("median return", PCT),
    Column("return 5%", PCT), Column("return 95%", PCT), Column("P(up)", PROB),
    Column("top driver", width=22), Column("top driver (log contribution)", DECIMAL, 26)]


def _summary_sheet(r: RunResult) -> Sheet:
    sh = Sheet("summary", list(SUMMARY_COLUMNS))
    for f in r.forecasts:
        sh.add("symbol", f.symbol, f.return_kind, f.currency, f.baseline_price, f.median_price, f.price_p05,
               f.price_p95, f.mean_return, f.median_return, f.return_p05, f.return_p95, f.prob_up,
               f.top_driver, f.top_driver_log)
    for line in r.index_lines():
        x = r.index_forecast(line.label)
        if x is not None:
            sh.add("index", line.label, x.return_kind, None, None, None, None, None, x.mean_return,
                   x.median_return, x.return_p05, x.return_p95, x.prob_up, None, None)
    return sh


def _attribution_sheet(r: RunResult) -> Sheet:
    sh = Sheet("attribution", [Column("symbol"), Column("driver", width=24),
                               Column("mean log contribution", DECIMAL, 22)])
    for driver, values in r.contribution_means.items():
        for sym, v in zip(r.symbols, values, strict=True):
            sh.add(sym, driver, v)
    return sh


def _quantiles_sheet(r: RunResult) -> Sheet:
    sh = Sheet("quantiles", [Column("symbol"), Column("quantile", PROB), Column("return", PCT),
                             Column("price", MONEY)])
    for f in r.forecasts:
        for q, ret, px in ((0.05, f.return_p05, f.price_p05), (0.5, f.median_return, f.median_price),
                           (0.95, f.return_p95, f.price_p95)):
            sh.add(f.symbol, q, ret, px)
    for line in r.index_lines():
        x = r.index_forecast(line.label)
        if x is not None:
            for q, ret in ((0.05, x.return_p05), (0.5, x.median_return), (0.95, x.return_p95)):
                sh.add(line.label, q, ret, None)
    return sh


def run_sheets(r: RunResult) -> list[Sheet]:
    """Return the sheets of a run: inputs, summary, attribution (mean log contributions), quantiles."""
    return [_inputs_sheet(r), _summary_sheet(r), _attribution_sheet(r), _quantiles_sheet(r)]


# ------------------------------------------------------------------------------ backtests

SCORE_COLUMNS = [
    Column("symbol"), Column("return kind"), Column("predicted (median)", PCT), Column("band low", PCT),
    Column("band high", PCT), Column("realized", PCT), Column("status"), Column("scored"),
    Column("hit", PROB), Column("error", PCT), Column("inside band", PROB), Column("PIT", PROB),
    Column("CRPS", PCT), Column("start date"), Column("end date"), Column("note", width=40)]

SUMMARY_FORMATS = {"hit_rate": PROB, "ic": DECIMAL, "mae": PCT, "coverage": PROB, "nominal_coverage": PROB,
                   "crps": PCT, "mean_pit": PROB, "n_symbols": INT, "n_scored": INT, "draws": INT}


def _scores_sheet(rows: Sequence[Any]) -> Sheet:
    sh = Sheet("scores", list(SCORE_COLUMNS))
    for s in rows:
        sh.add(s.symbol, s.kind, s.predicted, s.lower, s.upper, s.realized, s.status, s.scored, s.hit,
               s.error, s.inside, s.pit, s.crps, s.start_date, s.end_date, s.note)
    return sh


def backtest_sheets(b: SingleBacktestResult | WalkForwardResult) -> list[Sheet]:
    """Return a single backtest.

    The run's sheets, ``scores`` (per symbol) and ``score summary``; a
    walk-forward: ``inputs``, ``windows``, ``scores`` (per as_of and symbol) and ``track``.
    """
    from scenarios.results import SingleBacktestResult

    if isinstance(b, SingleBacktestResult):
        out = run_sheets(b.result) if b.result is not None else []
        out.append(_scores_sheet(b.per_symbol))
        out.append(_kv_sheet("score summary", b.score_summary.to_dict().items(), SUMMARY_FORMATS))
        return out
    head = [("scenario", b.scenario), ("file", b.file), ("file_sha256", b.file_sha256), ("roll", b.roll),
            ("from", b.start), ("to", b.end), ("draws", b.draws), ("seed", b.seed),
            ("band low", b.band[0]), ("band high", b.band[1])]
    win = Sheet("windows", [Column("as_of"), Column("horizon"), Column("status"), Column("symbols", INT),
                            Column("scored", INT), Column("hit rate", PROB), Column("IC", DECIMAL),
                            Column("MAE", PCT), Column("coverage", PROB), Column("CRPS", PCT),
                            Column("MAE zero", PCT), Column("MAE momentum", PCT)])
    for w in b.windows:
        win.add(w.as_of, w.horizon, w.status, w.n_symbols, w.n_scored, w.hit_rate, w.ic, w.mae, w.coverage,
                w.crps, w.mae_zero, w.mae_momentum)
    sc = Sheet("scores", [Column("as_of"), *SCORE_COLUMNS])
    for s in b.pairs:
        sc.add(s.as_of, s.symbol, s.kind, s.predicted, s.lower, s.upper, s.realized, s.status, s.scored,
               s.hit, s.error, s.inside, s.pit, s.crps, s.start_date, s.end_date, s.note)
    track = {k: v for k, v in b.track.to_dict().items() if not isinstance(v, (dict, list))}
    return [_kv_sheet("inputs", head, {"band low": PROB, "band high": PROB}), win, sc,
            _kv_sheet("track", track.items(), SUMMARY_FORMATS)]


# ------------------------------------------------------------------------------ sets

def set_sheets(r: SetRunResult) -> list[Sheet]:
    """Return the sheets of a set.

    Inputs (set fields and components), summary (expected return, median, band, P(up) and
    their Monte Carlo standard errors), attribution (each component's median, mean,
    contribution and share of the expected return), quantiles.
    """
    inputs = _kv_sheet("inputs", [("name", r.name), ("file", r.file), ("file_sha256", r.file_sha256),
                                  ("as_of", r.as_of), ("horizon", r.horizon), ("draws", r.draws),
                                  ("seed", r.seed), ("assignment", r.assignment)])
    comp = Sheet("components", [Column("component", width=26), Column("file", width=30),
                                Column("probability", PROB), Column("seed", INT), Column("assigned draws", INT),
                                Column("run draws", INT), Column("why", width=60)])
    for c in r.components:
        comp.add(c.label, c.file, c.probability, c.seed, c.assigned_draws, c.run_draws, c.why)
    summ = Sheet("summary", [Column("line"), Column("kind"), Column("return kind"), Column("currency"),
                             Column("baseline price", MONEY), Column("expected return", PCT),
                             Column("median return", PCT), Column("return 5%", PCT), Column("return 95%", PCT),
                             Column("P(up)", PROB), Column("s.e. expected", PCT), Column("s.e. median", PCT),
                             Column("s.e. 5%", PCT), Column("s.e. 95%", PCT), Column("s.e. P(up)", PROB)])
    attr = Sheet("attribution", [Column("line"), Column("component", width=26), Column("probability", PROB),
                                 Column("share of draws", PROB), Column("median return", PCT),
                                 Column("mean return", PCT), Column("contribution", PCT),
                                 Column("share of expected return", PROB, 24)])
    quant = Sheet("quantiles", [Column("line"), Column("quantile", PROB), Column("return", PCT),
                                Column("s.e.", PCT)])
    for x in r.lines:
        summ.add(x.line, x.kind, x.return_kind, x.currency, x.baseline_price, x.mean_return, x.median_return,
                 x.return_p05, x.return_p95, x.prob_up, x.se_mean, x.se_median, x.se_p05, x.se_p95, x.se_prob_up)
        for cl in x.components:
            attr.add(x.line, cl.label, cl.probability, cl.weight, cl.median_return, cl.mean_return, cl.contribution,
                     cl.share)
        for q, v, se in ((0.05, x.return_p05, x.se_p05), (0.5, x.median_return, x.se_median),
                         (0.95, x.return_p95, x.se_p95)):
            quant.add(x.line, q, v, se)
    return [inputs, comp, summ, attr, quant]


def set_backtest_sheets(b: SetBacktestResult) -> list[Sheet]:
    """Return the sheets of a set backtest.

    Return the set run's sheets, ``scores`` (the mixture per symbol), ``score summary`` and
    ``component scores`` (with the hindsight best component).
    """
    out = set_sheets(b.result) if b.result is not None else []
    out.append(_scores_sheet(b.per_symbol))
    out.append(_kv_sheet("score summary", [*b.score_summary.to_dict().items(),
                                           ("best_component", b.best_component),
                                           ("best_component_crps", b.best_component_crps),
                                           ("hindsight", b.hindsight)],
                         {**SUMMARY_FORMATS, "best_component_crps": PCT}))
    cs = Sheet("component scores", [Column("component", width=26), Column("probability", PROB),
                                     Column("CRPS", PCT), Column("coverage", PROB), Column("mean PIT", PROB),
                                     Column("scored", INT)])
    for c in b.components:
        cs.add(c.label, c.probability, c.crps, c.coverage, c.mean_pit, c.n_scored)
    out.append(cs)
    return out


# ------------------------------------------------------------------------------ sensitivity

def tornado_sheet(t: Any) -> Sheet:
    """One row per (line, parameter) of a :class:`scenarios.sensitivity.Tornado`, sorted by swing within each line.

    Returns and swing are fractions shown as percents.
    """
    sh = Sheet("tornado", [Column("line"), Column("parameter", width=36), Column("range"),
                           Column("low value", DECIMAL), Column("high value", DECIMAL),
                           Column("base return", PCT), Column("low return", PCT),
                           Column("high return", PCT), Column("swing", PCT)])
    for line in t.symbols:
        for b in t.bars[line]:
            sh.add(line, b.param, t.ranges[b.param], b.low_value, b.high_value, t.base[line],
                   b.low_return, b.high_return, b.swing)
    return sh


def two_way_sheet(tw: Any) -> Sheet:
    """One row per (line, value 1, value 2) of a :class:`scenarios.sensitivity.TwoWay`.

    The Monte Carlo median return (fraction, shown as a percent) and P(up).
    """
    sh = Sheet("two-way", [Column("line"), Column(tw.param1[:60], DECIMAL, 28),
                           Column(tw.param2[:60], DECIMAL, 28), Column("median return", PCT),
                           Column("P(up)", PROB)])
    for line in tw.lines:
        for i, a in enumerate(tw.values1):
            for j, b in enumerate(tw.values2):
                sh.add(line, a, b, tw.median[line][i][j], tw.prob_up[line][i][j])
    return sh


def sheets_for(result: Any) -> list[Sheet]:
    """Return the sheets of any result of :mod:`scenarios.results`."""
    from scenarios.results import RunResult, SetBacktestResult, SetRunResult

    if isinstance(result, RunResult):
        return run_sheets(result)
    if isinstance(result, SetRunResult):
        return set_sheets(result)
    if isinstance(result, SetBacktestResult):
        return set_backtest_sheets(result)
    return backtest_sheets(result)
