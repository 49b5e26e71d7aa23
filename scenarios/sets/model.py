"""The scenario-set file: ``kind: set``, components with probabilities, shared as_of/horizon.

Format::

    kind: set
    name: tencent-2026-set
    as_of: 2026-02-12          # optional: every component must have this as_of
    horizon: 2026-08-12        # optional: every component must reach this date (6M is fine)
    monte_carlo: {draws: 10000, seed: 11}
    components:
      - file: tencent_feb_2026.yaml     # relative to this file, inside its folder tree
        probability: 0.5
        why: "ASSUMPTION: ..."          # optional free text

Rules (each broken rule is a located :class:`~scenarios.errors.ScenarioError`): probabilities
are numbers in [0, 1] summing to 1 within :data:`PROB_TOL`; a component file lies in the set
file's folder or below it (or an ``--allow-path`` folder: the rule of ``extends`` in
:mod:`scenarios.model.loader`); components are valid scenario files without a ``grid`` and
share ``as_of`` and the horizon date.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BeforeValidator, Field, JsonValue, ValidationError

from scenarios.errors import ScenarioError, ScenarioErrors
from scenarios.model.fields import StrictModel
from scenarios.sets.peek import is_set_file
from scenarios.yamlio import LocatedDoc, load_yaml

if TYPE_CHECKING:
    from scenarios.model.schema import Scenario

__all__ = ["PROB_TOL", "Component", "ScenarioSet", "SetFile", "is_set_file", "load_set"]

#: Largest allowed distance of the probabilities' sum from 1.
PROB_TOL = 1e-9


def _no_bool(v: Any) -> Any:
    if isinstance(v, bool):
        raise ValueError(f"must be a number between 0 and 1 (got {v!r})")
    return v


class ComponentSpec(StrictModel):
    file: str = Field(min_length=1, description="scenario file, relative to the set file")
    probability: Annotated[float, BeforeValidator(_no_bool)] = Field(
        ge=0.0, le=1.0, description="probability of the component (fraction)")
    why: str | None = Field(default=None, description="why this probability (state assumptions)")


class SetMonteCarlo(StrictModel):
    draws: int = Field(default=10_000, ge=1, le=10_000_000, description="mixture draws")
    seed: int = Field(default=0, ge=0, description="seed of the component assignment")


class SetFile(StrictModel):
    """The ``kind: set`` file: a name and probability-weighted scenario components."""

    kind: str = Field(pattern="^set$")
    name: str = Field(min_length=1)
    description: str | None = None
    narrative: dict[str, JsonValue] | None = None
    as_of: dt.date | None = None
    horizon: dt.date | str | None = None
    monte_carlo: SetMonteCarlo = Field(default_factory=SetMonteCarlo)
    components: list[ComponentSpec] = Field(min_length=1)


@dataclass(frozen=True)
class Component:
    """One loaded component: its scenario, probability and file (as written and resolved)."""

    label: str
    file: str
    path: Path
    probability: float
    scenario: Scenario
    why: str | None = None


@dataclass(frozen=True)
class ScenarioSet:
    """A loaded, checked set file (:func:`load_set`)."""

    name: str
    file: str
    file_sha256: str
    as_of: dt.date
    horizon: dt.date
    draws: int
    seed: int
    components: list[Component]
    description: str | None = None
    narrative: dict[str, Any] = field(default_factory=dict)

    @property
    def probabilities(self) -> list[float]:
        """The components' probabilities (fractions)."""
        return [c.probability for c in self.components]


def _component_path(doc: LocatedDoc, i: int, home: Path, name: str) -> Path:
    """Return the component file, with the containment rule of ``extends`` (the loader's)."""
    from scenarios.model import loader

    where = ("components", i, "file")
    if "\x00" in name:
        raise doc.error(where, "must be a file name such as base.yaml (it holds a NUL character)")
    target = (home / name).resolve()
    roots = (home.resolve(), *loader._ALLOWED_ROOTS)
    if not any(loader._inside(target, root) for root in roots):
        raise doc.error(where, f"{name!r} is outside the folder of this set file ({home.resolve()}); "
                               "components may only name files in that folder or below it")
    if not target.is_file():
        raise doc.error(where, f"file not found: {name}")
    return target


def load_set(path: str | Path) -> ScenarioSet:
    """Load and check a set file and its components.

    Raises
    ------
    scenarios.errors.ScenarioErrors
        Every problem, located in the set file (components' own errors keep their file).
    """
    from scenarios.model import load_scenario
    from scenarios.yamlio import validation_errors

    display = str(path)
    doc = load_yaml(path)
    if not isinstance(doc.data, dict):
        raise doc.error((), f"a set file must be a YAML mapping (got {type(doc.data).__name__})")
    try:
        spec = SetFile.model_validate(doc.data)
    except ValidationError as exc:
        raise validation_errors(exc, doc) from None
    errors: list[ScenarioError] = []
    total = math.fsum(c.probability for c in spec.components)
    if abs(total - 1.0) > PROB_TOL:
        errors.append(doc.error(("components",), f"probabilities must sum to 1 (within {PROB_TOL:g}); "
                                f"they sum to {total:.12g}", key=True))
    home = Path(path).parent
    comps: list[Component] = []
    labels: set[str] = set()
    for i, c in enumerate(spec.components):
        try:
            target = _component_path(doc, i, home, c.file)
            scenario = load_scenario(target)
        except ScenarioErrors as exc:
            errors.extend(exc.errors)
            continue
        except ScenarioError as exc:
            errors.append(exc)
            continue
        if scenario.grid:
            errors.append(doc.error(("components", i, "file"), "a component must be one scenario "
                                    "(this file has a grid: name one grid point's file instead)"))
            continue
        label = scenario.name
        if label in labels:
            errors.append(doc.error(("components", i, "file"), f"two components are named {label!r}; "
                                    "give each scenario its own name"))
            continue
        labels.add(label)
        comps.append(Component(label, c.file, target, c.probability, scenario, c.why))
    if errors:
        raise ScenarioErrors(errors)
    as_of = spec.as_of or comps[0].scenario.as_of
    horizon = _horizon(spec, doc, as_of, comps[0])
    for i, comp in enumerate(comps):
        if comp.scenario.as_of != as_of:
            errors.append(doc.error(("components", i, "file"),
                                    f"{comp.file} has as_of {comp.scenario.as_of}; the set's is {as_of} "
                                    "(components must share as_of)"))
            continue
        h = comp.scenario.horizon_date()
        if h != horizon:
            errors.append(doc.error(("components", i, "file"),
                                    f"{comp.file} reaches its horizon on {h}; the set's is {horizon} "
                                    "(components must share the horizon)"))
    if errors:
        raise ScenarioErrors(errors)
    sha = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return ScenarioSet(spec.name, display, sha, as_of, horizon, spec.monte_carlo.draws,
                       spec.monte_carlo.seed, comps, spec.description, dict(spec.narrative or {}))


def _horizon(spec: SetFile, doc: LocatedDoc, as_of: dt.date, first: Component) -> dt.date:
    from scenarios.model.schema import _horizon as parse_horizon
    from scenarios.periods import add_period

    if spec.horizon is None:
        return first.scenario.horizon_date()
    try:
        h = parse_horizon(spec.horizon)
    except ValueError as exc:
        raise ScenarioErrors([doc.error(("horizon",), str(exc))]) from None
    out = h if isinstance(h, dt.date) else add_period(as_of, h)
    if out <= as_of:
        raise ScenarioErrors([doc.error(("horizon",), f"must be after as_of {as_of} (got {out})")])
    return out
