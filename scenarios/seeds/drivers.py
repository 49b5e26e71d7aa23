"""Narrative drivers of the articles (``seeds/drivers.yaml``).

Each driver carries the parameter values and ranges the articles give and is linked to the claims it
rests on.

Scenario files refer to a driver seed by ``id`` (``narrative.claims`` / driver ``claims``
hold the claim ids). A seed names the scenario driver ``type`` that encodes it
(``driver_type``: ``ai_capex``, ``subsidy``, ``rerating``, ``sentiment_shock``,
``index_weighting``...), or none when the narrative has no price mechanism (flows,
technical levels, forecasts of the industry).

Parameters: ``value`` is the article's central number; ``low``/``high`` the range the
articles give or imply (``None`` when the text gives a one-sided bound only); units as in
``claims.yaml`` (fractions for percentages).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Literal

from pydantic import Field

from scenarios.data.symbols import normalize_symbol
from scenarios.errors import ScenarioError
from scenarios.seeds.base import CLAIMS_FILE, DRIVERS_FILE, StrictModel, load_model, seed_path
from scenarios.seeds.claims import Unit, claim_ids
from scenarios.seeds.universes import THEMES
from scenarios.yamlio import LocatedDoc

Category = Literal["ai_capex", "subsidy", "index_weighting", "valuation_gap", "sentiment_shock",
                   "flows", "earnings", "ai_competition", "forecast"]

#: Scenario driver types a seed may name: the registered kinds (scenarios.model.drivers.REGISTRY).
#: Written out because seeds sit below the model; a test keeps the two lists equal.
DriverType = Literal["earnings_growth", "ai_capex", "subsidy", "buyback", "margin_change",
                     "revenue_uplift", "fx_change", "rerating", "sentiment_shock", "index_weighting"]

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class Param(StrictModel):
    """One parameter: central value, optional range, unit and supporting claims."""

    value: float
    low: float | None = None
    high: float | None = None
    unit: Unit
    claims: list[str] = Field(default_factory=list)
    note: str | None = None


class DriverSeed(StrictModel):
    """One narrative driver."""

    id: str
    title: str
    category: Category
    driver_type: DriverType | None = None
    description: str
    articles: list[str] = Field(min_length=1)
    claims: list[str] = Field(min_length=1)
    symbols: list[str] = Field(default_factory=list)
    themes: list[str] = Field(default_factory=list)
    date: dt.date | None = None
    params: dict[str, Param] = Field(min_length=1)

    def all_claims(self) -> list[str]:
        """Driver-level and parameter-level claim ids, without duplicates, in order."""
        out: list[str] = []
        for cid in [*self.claims, *(c for p in self.params.values() for c in p.claims)]:
            if cid not in out:
                out.append(cid)
        return out


class DriversFile(StrictModel):
    """The whole ``drivers.yaml``."""

    version: Literal[1]
    drivers: list[DriverSeed] = Field(min_length=1)


def _checker(claims_path: Path):
    def check(obj: DriversFile, doc: LocatedDoc) -> list[ScenarioError]:
        errors: list[ScenarioError] = []
        known = set(claim_ids(claims_path)) if claims_path.exists() else None
        seen: dict[str, int] = {}
        for i, d in enumerate(obj.drivers):
            base = ("drivers", i)
            if not _ID.fullmatch(d.id):
                errors.append(doc.error(base + ("id",), f"must be lower-case words joined by '-' (got {d.id!r})"))
            if d.id in seen:
                errors.append(doc.error(base + ("id",), f"duplicate id {d.id!r} (first used by drivers[{seen[d.id]}])"))
            seen.setdefault(d.id, i)
            for j, s in enumerate(d.symbols):
                if normalize_symbol(s) != s:
                    errors.append(doc.error(base + ("symbols", j),
                                            f"write symbols in Yahoo spelling: {normalize_symbol(s)!r} (got {s!r})"))
            for j, t in enumerate(d.themes):
                if t not in THEMES:
                    errors.append(doc.error(base + ("themes", j),
                                            f"unknown theme (expected one of {list(THEMES)}) (got {t!r})"))
            refs: list[tuple[tuple[str | int, ...], str]] = [
                (base + ("claims", j), c) for j, c in enumerate(d.claims)]
            for name, p in d.params.items():
                pp = base + ("params", name)
                refs += [(pp + ("claims", j), c) for j, c in enumerate(p.claims)]
                if p.low is not None and p.low > p.value:
                    errors.append(doc.error(pp + ("low",), f"must be <= value ({p.value:g}) (got {p.low:g})"))
                if p.high is not None and p.high < p.value:
                    errors.append(doc.error(pp + ("high",), f"must be >= value ({p.value:g}) (got {p.high:g})"))
            if known is not None:
                for path, cid in refs:
                    if cid not in known:
                        errors.append(doc.error(path, f"unknown claim id {cid!r} (not in {CLAIMS_FILE})"))
        return errors

    return check


def load_drivers_file(path: str | Path | None = None, *, claims_path: str | Path | None = None) -> DriversFile:
    """Load and validate ``drivers.yaml``.

    Claim ids are checked against ``claims_path`` (default: ``claims.yaml`` beside the drivers
    file).
    """
    p = seed_path(path, DRIVERS_FILE)
    cp = Path(claims_path) if claims_path is not None else p.parent / CLAIMS_FILE
    return load_model(p, DRIVERS_FILE, DriversFile, _checker(cp))


def load_driver_seeds(path: str | Path | None = None, *,
                      claims_path: str | Path | None = None) -> dict[str, DriverSeed]:
    """Driver seeds by id, in file order. Malformed files raise located ScenarioErrors."""
    return {d.id: d for d in load_drivers_file(path, claims_path=claims_path).drivers}


def driver_seed(driver_id: str, path: str | Path | None = None) -> DriverSeed:
    """Return the driver seed ``driver_id``; unknown ids raise KeyError listing the known ones."""
    seeds = load_driver_seeds(path)
    try:
        return seeds[driver_id]
    except KeyError:
        raise KeyError(f"no driver seed {driver_id!r} (known: {', '.join(seeds)})") from None


__all__ = ["Category", "DriverSeed", "DriverType", "DriversFile", "Param", "driver_seed",
           "load_driver_seeds", "load_drivers_file"]
