"""Broker weight estimates around Hang Seng reviews (``reference/hstech_weight_estimates.csv``).

The table gives, per review effective date and symbol, the estimated weight before and after
the rebalance in PERCENT; every loader here returns FRACTIONS keyed by
``(effective date, symbol)``. The estimates are published between the announcement and the
effective date, so using them from the effective date on is not look-ahead.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from scenarios.errors import DataFormatError
from scenarios.paths import env_path, expand

__all__ = ["load_broker_weights", "load_entry_weights", "load_inclusion_weights", "snapshot_weight_coverage"]


def _read_estimates(estimates_csv: str | Path) -> pd.DataFrame:
    df = pd.read_csv(estimates_csv)
    need = {"rebalance_effective", "symbol", "weight_before_pct", "weight_after_pct"}
    if not need.issubset(df.columns):
        raise DataFormatError(f"expected columns {sorted(need)} (got {list(df.columns)})",
                              file=estimates_csv, line=1)
    for col in ("weight_before_pct", "weight_after_pct"):
        vals = pd.to_numeric(df[col], errors="coerce")
        if vals.isna().any() or (vals < 0).any() or (vals > 100).any():
            bad = int(np.flatnonzero(vals.isna() | (vals < 0) | (vals > 100))[0])
            raise DataFormatError(f"{col} must be a percent in [0, 100] (got {df[col].iloc[bad]!r})",
                                  file=estimates_csv, line=bad + 2)
    return df


def load_entry_weights(estimates_csv: str | Path) -> dict[tuple[pd.Timestamp, str], float]:
    """Entry weights ``{(effective_date, symbol): fraction}`` from the broker estimates table.

    Rows whose ``weight_before_pct`` is 0 and ``weight_after_pct`` > 0 are inclusions; percents are
    converted to fractions.
    """
    return _entry_weights(_read_estimates(estimates_csv))


def _entry_weights(df: pd.DataFrame) -> dict[tuple[pd.Timestamp, str], float]:
    """:func:`load_entry_weights` on the table read by :func:`_read_estimates`."""
    out: dict[tuple[pd.Timestamp, str], float] = {}
    for day, sym, before, after in zip(df["rebalance_effective"].tolist(), df["symbol"].tolist(),
                                       df["weight_before_pct"].tolist(),
                                       df["weight_after_pct"].tolist(), strict=True):
        if float(before) == 0 and float(after) > 0:
            out[(pd.Timestamp(day), str(sym))] = float(after) / 100
    return out


def load_inclusion_weights(snapshots_csv: str | Path) -> dict[tuple[pd.Timestamp, str], float]:
    """Weights at inclusion ``{(effective_date, symbol): fraction}`` from ``hstech_weights_snapshots.csv``.

    The rows whose ``kind`` says the weight was simulated or quoted at inclusion or fast entry (JD
    Health 8.00% on 2020-12-22, SenseTime 0.24% on 2022-03-07, NIO 0.52% on 2022-06-13). Hang Seng
    publishes these with the announcement, before the effective date, so using them from that date
    on is not look-ahead.
    """
    df = pd.read_csv(snapshots_csv, dtype={"code": str})
    need = {"as_of", "code", "weight_pct", "kind"}
    if not need.issubset(df.columns):
        raise DataFormatError(f"expected columns {sorted(need)} (got {list(df.columns)})",
                              file=snapshots_csv, line=1)
    out: dict[tuple[pd.Timestamp, str], float] = {}
    for i, row in enumerate(df.itertuples(index=False)):
        kind = str(row.kind)
        if "inclusion" not in kind and "fast-entry" not in kind:
            continue
        pct = pd.to_numeric(row.weight_pct, errors="coerce")  # type: ignore[call-overload]
        if pd.isna(pct) or not 0 < pct <= 100:
            raise DataFormatError(f"weight_pct must be a percent in (0, 100] (got {row.weight_pct!r})",
                                  file=snapshots_csv, line=i + 2)
        out[(pd.Timestamp(row.as_of), f"{str(row.code).zfill(4)}.HK")] = float(pct) / 100  # type: ignore[arg-type]
    return out


def snapshot_weight_coverage(snapshots_csv: str | Path, have: set[str] | frozenset[str],
                             kinds: tuple[str, ...] = ("index", "index (weight truncated in source)"),
                             ) -> pd.DataFrame:
    """How much index weight the names without price data held, where a dated weight list says.

    ``snapshots_csv``: ``hstech_weights_snapshots.csv``; ``have``: the symbols with price data
    (``0700.HK`` spelling); ``kinds``: the ``kind`` values that are whole index weight lists (by
    default ``index`` rows and the names of such a list whose weight the source cut off; partial
    launch lists, inclusion weights and ETF holdings are left out). One row per ``as_of`` date:
    ``names`` listed, ``listed`` (sum of the given weights), ``without_data`` (weight of the listed
    names not in ``have``), ``unstated`` (1 - listed: names whose weight the source cut off),
    ``missing_names`` (listed names not in ``have``, with or without a stated weight). Weights are
    FRACTIONS.
    """
    df = pd.read_csv(snapshots_csv, dtype={"code": str})
    df = df[df["kind"].isin(kinds)]
    rows = []
    for day, g in df.groupby("as_of", sort=True):
        syms = g["code"].str.zfill(4) + ".HK"
        w = pd.to_numeric(g["weight_pct"], errors="coerce") / 100
        miss = ~syms.isin(have)
        rows.append({"as_of": pd.Timestamp(day), "names": len(g), "listed": float(w.sum()),  # type: ignore[arg-type]
                     "without_data": float(w[miss].sum()), "unstated": float(1.0 - w.sum()),
                     "missing_names": " ".join(sorted(syms[miss]))})
    return pd.DataFrame(rows, columns=["as_of", "names", "listed", "without_data", "unstated",
                                       "missing_names"])


def load_broker_weights(estimates_csv: str | Path) -> dict[tuple[pd.Timestamp, str], float]:
    """Estimated weights right after each rebalance ``{(effective_date, symbol): fraction}``.

    The broker published them between the announcement and the effective date, so using them
    from the effective date on is not look-ahead. Names estimated at 0 (removals) are skipped.
    """
    return _broker_weights(_read_estimates(estimates_csv))


def _broker_weights(df: pd.DataFrame) -> dict[tuple[pd.Timestamp, str], float]:
    """:func:`load_broker_weights` on the table read by :func:`_read_estimates`."""
    return {(pd.Timestamp(day), str(sym)): float(after) / 100
            for day, sym, after in zip(df["rebalance_effective"].tolist(), df["symbol"].tolist(),
                                       df["weight_after_pct"].tolist(), strict=True)
            if float(after) > 0}


def _default_reference_dir() -> Path | None:
    """Return ``reference/`` beside ``$SCENARIOS_PRICES`` (``~`` expanded), or None when it is not there."""
    value = env_path("SCENARIOS_PRICES")
    if value:
        ref = expand(value).resolve().parent / "reference"
        if ref.is_dir():
            return ref
    return None


def _reference_weights(reference_dir: str | Path | None, notes: list[str], broker_prior: bool
                       ) -> tuple[dict[tuple[pd.Timestamp, str], float],
                                  dict[tuple[pd.Timestamp, str], float]]:
    """(entry weights, known weights) from the broker table in ``reference_dir`` if any."""
    ref = Path(reference_dir) if reference_dir is not None else _default_reference_dir()
    est = ref / "hstech_weight_estimates.csv" if ref is not None else None
    if est is None or not est.is_file():
        notes.append("no broker estimates found: entry weights from the leavers' slots")
        return {}, {}
    snaps = ref / "hstech_weights_snapshots.csv"  # type: ignore[operator]
    has_snaps = snaps.is_file()
    # parsed once per process and file version (path, size, modification time)
    key = (_stamp(est), _stamp(snaps) if has_snaps else None, broker_prior)
    hit = _parsed_reference.get(key)
    if hit is None:
        table = _read_estimates(est)  # read once for the entry and the after-rebalance weights
        entry = _entry_weights(table)
        if has_snaps:
            entry = {**load_inclusion_weights(snaps), **entry}
        known = _broker_weights(table) if broker_prior else {}
        if len(_parsed_reference) >= 16:
            _parsed_reference.clear()
        _parsed_reference[key] = hit = (entry, known)
    notes.append(f"entry weights{' and after-rebalance estimates' if broker_prior else ''} "
                 f"from {est.name}" + (f" and {snaps.name} (weights at inclusion)" if has_snaps else ""))
    return dict(hit[0]), dict(hit[1])


#: (entry weights, known weights) by the version of the files they were read from
_parsed_reference: dict[tuple[object, ...], tuple[dict[tuple[pd.Timestamp, str], float],
                                                  dict[tuple[pd.Timestamp, str], float]]] = {}


def _stamp(path: Path) -> tuple[str, int, int, int]:
    """Return a file's identity and version: resolved path, size, modification time (ns), inode."""
    st = path.stat()
    return str(path.resolve()), st.st_size, st.st_mtime_ns, st.st_ino
