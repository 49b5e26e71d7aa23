"""Named stock universes with dated membership, and one theme per symbol.

File: ``seeds/universes.yaml`` (see its header). A membership is an interval
``[from, to)``: ``from`` is the first trading day the symbol is in (``null`` = already in when
the universe's ``history_start`` begins), ``to`` the effective date of its removal
(exclusive; ``null`` = still in).

API (the engine and the backtester use these)::

    load_universes(path=None) -> Universes
    universe_members(name, as_of=None) -> list[str]        # Yahoo symbols, sorted
    membership_intervals(name) -> list[(symbol, from | None, to | None)]
    theme_of(symbol) -> str
    themes() -> dict[str, Theme]                           # symbol -> Theme(name, theme, reason)
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from scenarios.data.symbols import normalize_symbol
from scenarios.dates import as_date
from scenarios.errors import DataUnavailableError, ScenarioError
from scenarios.seeds.base import UNIVERSES_FILE, StrictModel, display_name, load_model, seed_path
from scenarios.yamlio import LocatedDoc

ThemeName = Literal["ai_compute_chips", "ai_models_cloud", "platforms", "autos_ev",
                    "hardware_appliances", "healthcare", "other"]

#: The allowed themes, in display order.
THEMES: tuple[str, ...] = ("ai_compute_chips", "ai_models_cloud", "platforms", "autos_ev",
                           "hardware_appliances", "healthcare", "other")


def _canonical_symbol(value: str) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a symbol string")
    canon = normalize_symbol(value)
    if canon != value:
        raise ValueError(f"write symbols in Yahoo spelling: {canon!r}")
    return value


class Member(StrictModel):
    """One membership interval of one symbol."""

    symbol: str
    from_: date | None = Field(default=None, alias="from")
    to: date | None = None
    uncertain: bool = False
    #: the membership began as a fast entry between regular reviews (the index then holds one
    #: more name than its regular size until the next regular review)
    fast_entry: bool = False
    note: str | None = None

    _symbol = field_validator("symbol", mode="before")(lambda cls, v: _canonical_symbol(v))

    def active(self, on: date) -> bool:
        """Return True when the symbol is a member on ``on`` (``from <= on < to``)."""
        return (self.from_ is None or self.from_ <= on) and (self.to is None or on < self.to)


class Universe(StrictModel):
    """A named set of symbols, possibly with a membership history."""

    description: str
    index_symbol: str | None = None
    size: int | None = Field(default=None, gt=0)
    history_start: date | None = None
    note: str | None = None
    members: list[Member] = Field(min_length=1)

    def members_on(self, on: date | None = None) -> list[str]:
        """Sorted symbols in force on ``on``; ``None`` = the latest state (open-ended intervals)."""
        if on is None:
            syms = {m.symbol for m in self.members if m.to is None}
        else:
            syms = {m.symbol for m in self.members if m.active(on)}
        return sorted(syms)

    def boundaries(self) -> list[date]:
        """Every date on which membership changes, ascending."""
        out = {d for m in self.members for d in (m.from_, m.to) if d is not None}
        return sorted(out)

    def regular_dates(self) -> list[date]:
        """Membership changes that are regular reviews.

        Every boundary except the dates on which only fast entries begin, ascending.
        """
        fast = {m.from_ for m in self.members if m.fast_entry}
        other = {d for m in self.members for d in (m.to, None if m.fast_entry else m.from_)
                 if d is not None}
        return sorted(d for d in self.boundaries() if d not in fast or d in other)

    def expected_size(self, on: date) -> int | None:
        """Member count the index should have on ``on``.

        ``size`` plus the fast entries that joined since the last regular review on or before ``on``
        (None when ``size`` is unset).

        A regular review brings the count back to ``size``; a fast entry adds one name until
        then (HSTECH held 31-32 names between 2020-12 and 2021-06).
        """
        if self.size is None:
            return None
        last = max((d for d in self.regular_dates() if d <= on), default=self.history_start)
        extra = sum(1 for m in self.members if m.fast_entry and m.active(on)
                    and m.from_ is not None and (last is None or m.from_ > last))
        return self.size + extra


class Theme(StrictModel):
    """Theme of one symbol: the company name, the theme, and why in one line."""

    name: str
    theme: ThemeName
    reason: str


class Universes(StrictModel):
    """The whole ``universes.yaml``."""

    version: Literal[1]
    universes: dict[str, Universe]
    themes: dict[str, Theme]

    def get(self, name: str) -> Universe:
        """Return the universe ``name``; unknown names raise :class:`UnknownUniverseError`."""
        try:
            return self.universes[name]
        except KeyError:
            raise UnknownUniverseError(name, sorted(self.universes)) from None

    def members(self, name: str, as_of: date | str | None = None) -> list[str]:
        """See :func:`universe_members`."""
        uni = self.get(name)
        on = _as_date(as_of)
        if on is not None and uni.history_start is not None and on < uni.history_start:
            raise DataUnavailableError(
                f"membership of universe {name!r} is recorded from {uni.history_start} on; "
                f"nothing is known for {on}")
        return uni.members_on(on)

    def intervals(self, name: str) -> list[tuple[str, date | None, date | None]]:
        """See :func:`membership_intervals`."""
        uni = self.get(name)
        rows = [(m.symbol, m.from_, m.to) for m in uni.members]
        return sorted(rows, key=lambda r: (r[0], r[1] or date.min))

    def theme_of(self, symbol: str) -> str:
        """See :func:`theme_of`."""
        sym = normalize_symbol(symbol)
        try:
            return self.themes[sym].theme
        except KeyError:
            raise KeyError(f"no theme recorded for {sym!r} in universes.yaml") from None


class UnknownUniverseError(ScenarioError, KeyError):
    """A universe name that ``universes.yaml`` does not define."""

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"unknown universe {name!r} (known: {', '.join(known)})", field="universe")

    def __str__(self) -> str:  # KeyError would quote the message
        return self.format()


def _as_date(value: date | str | None) -> date | None:
    try:
        return as_date(value)
    except ValueError:
        raise ValueError(f"as_of must be a date YYYY-MM-DD (got {value!r})") from None


def _check(obj: Universes, doc: LocatedDoc) -> list[ScenarioError]:
    """Cross-field checks pydantic cannot express, each located at the offending node."""
    errors: list[ScenarioError] = []
    for sym in obj.themes:
        if normalize_symbol(sym) != sym:
            errors.append(doc.error(("themes", sym), f"write symbols in Yahoo spelling: "
                                    f"{normalize_symbol(sym)!r}", key=True))
    for name, uni in obj.universes.items():
        base = ("universes", name)
        seen: dict[str, list[tuple[int, Member]]] = {}
        for i, m in enumerate(uni.members):
            path = base + ("members", i)
            if m.from_ is not None and m.to is not None and m.to <= m.from_:
                errors.append(doc.error(path + ("to",), f"must be after from ({m.from_}) (got {m.to})"))
            if m.symbol not in obj.themes:
                errors.append(doc.error(path + ("symbol",), f"{m.symbol} has no entry under themes"))
            for j, other in seen.get(m.symbol, []):
                lo_a, hi_a = m.from_ or date.min, m.to or date.max
                lo_b, hi_b = other.from_ or date.min, other.to or date.max
                if lo_a < hi_b and lo_b < hi_a:
                    errors.append(doc.error(path + ("symbol",), f"{m.symbol} overlaps its membership "
                                            f"at members[{j}]"))
            seen.setdefault(m.symbol, []).append((i, m))
            if uni.history_start is not None and m.from_ is not None and m.from_ <= uni.history_start:
                errors.append(doc.error(path + ("from",), f"must be after history_start "
                                        f"({uni.history_start}); use from: null (got {m.from_})"))
        if uni.size is not None:
            dates = ([uni.history_start] if uni.history_start else []) + uni.boundaries()
            if not dates:
                dates = [date.today()]
            for d in dates:
                n, want = len(uni.members_on(d)), uni.expected_size(d)
                if n != want:
                    extra = "" if want == uni.size else f" ({uni.size} plus {want - uni.size} fast entries)"  # type: ignore[operator]
                    errors.append(doc.error(base + ("size",), f"universe has {n} member(s) on {d}, "
                                            f"not {want}{extra}"))
                    break
    return errors


def load_universes(path: str | Path | None = None) -> Universes:
    """Load and validate ``universes.yaml`` (default: ``seeds_dir()/universes.yaml``).

    Raises :class:`~scenarios.errors.ScenarioErrors` (``file:line:col field: message``) for a
    malformed file. Cached until the file changes.
    """
    return load_model(path, UNIVERSES_FILE, Universes, _check)


def universe_members(name: str, as_of: date | str | None = None, *,
                     path: str | Path | None = None) -> list[str]:
    """Sorted Yahoo symbols of universe ``name``.

    ``as_of=None`` gives the latest state (every open-ended membership); a date gives the
    members in force on that day (``from <= as_of < to``, so a symbol removed with effect from
    2025-03-10 is still a member on 2025-03-07 and not on 2025-03-10). A date before the
    universe's ``history_start`` raises :class:`~scenarios.errors.DataUnavailableError`.
    """
    return load_universes(path).members(name, as_of)


def membership_intervals(name: str, *, path: str | Path | None = None
                         ) -> list[tuple[str, date | None, date | None]]:
    """``(symbol, from, to_exclusive)`` for every membership of universe ``name``, sorted by symbol then start.

    ``None`` bounds are open (before history_start / still a member).
    """
    return load_universes(path).intervals(name)


def theme_of(symbol: str, *, path: str | Path | None = None) -> str:
    """Theme of ``symbol`` (any accepted spelling), one of :data:`THEMES`. Unknown -> KeyError."""
    return load_universes(path).theme_of(symbol)


def themes(*, path: str | Path | None = None) -> dict[str, Theme]:
    """Symbol -> :class:`Theme` (company name, theme, one-line reason)."""
    return dict(load_universes(path).themes)


__all__ = ["THEMES", "Member", "Theme", "Universe", "Universes", "UnknownUniverseError",
           "load_universes", "membership_intervals", "theme_of", "themes", "universe_members",
           "seed_path", "display_name"]
