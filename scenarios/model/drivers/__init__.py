"""The driver registry: one module per driver kind, each holding one :class:`DriverSpec`.

Adding a driver kind: write ``scenarios/model/drivers/<type>.py`` (schema class, evaluator,
needs, group, template, doc; see :mod:`~scenarios.model.drivers.base`) and add its name to
:data:`MODULES` (a test fails when a module of this package is not listed). Everything else is
derived from :data:`REGISTRY` (which imports a kind's module when that kind is first used):

* the schema's discriminated union and ``DRIVER_TYPES`` (:mod:`scenarios.model.schema`);
* baseline needs, FX and per-kind checks (:mod:`scenarios.model.validation`, the resolve step);
* the engine's dispatch (:func:`scenarios.engine.evaluate.apply_driver` calls ``spec.evaluate``);
* the report's decomposition groups (:data:`scenarios.report.adapters.DRIVER_GROUPS`);
* the driver blocks of ``scenarios new`` templates (:func:`template_text`);
* the driver reference in ``docs/scenario-format.md`` (:func:`reference_markdown`, checked by a test).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from scenarios.model.drivers.base import (
    CheckContext,
    DriverBase,
    DriverSpec,
    DriverStep,
    MoneyDriver,
    Problem,
)

#: driver modules in the order the kinds are listed (schema union, docs, error messages)
MODULES: tuple[str, ...] = (
    "earnings_growth", "ai_capex", "subsidy", "buyback", "margin_change", "revenue_uplift",
    "fx_change", "rerating", "sentiment_shock", "index_weighting",
)


class _Registry(Mapping[str, DriverSpec]):
    """Driver type -> spec, in :data:`MODULES` order; a kind's module is imported on first use.

    The keys (``tuple(REGISTRY)``, ``kind in REGISTRY``) import nothing; ``REGISTRY[kind]`` imports
    that kind's module; ``values()`` and ``items()`` import them all. A run imports the kinds its
    file uses (start-up time).
    """

    def __init__(self) -> None:
        self._specs: dict[str, DriverSpec] = {}

    def __getitem__(self, kind: str) -> DriverSpec:
        spec = self._specs.get(kind)
        if spec is None:
            if kind not in MODULES:
                raise KeyError(kind)
            spec = importlib.import_module(f"{__name__}.{kind}").SPEC
            if spec.type != kind:
                raise RuntimeError(f"driver module {kind} registers type {spec.type!r}")
            self._specs[kind] = spec
        return spec

    def __contains__(self, kind: object) -> bool:
        return kind in MODULES

    def __iter__(self) -> Iterator[str]:
        return iter(MODULES)

    def __len__(self) -> int:
        return len(MODULES)

    def __repr__(self) -> str:
        return f"REGISTRY({', '.join(MODULES)})"


#: driver type -> spec, in :data:`MODULES` order (see :class:`_Registry`)
REGISTRY: Mapping[str, DriverSpec] = _Registry()

if TYPE_CHECKING:
    #: the decomposition groups of the registered drivers (report order)
    GROUPS: tuple[str, ...]


def __getattr__(name: str) -> Any:
    """:data:`GROUPS`, computed on first use (it imports every kind)."""
    if name == "GROUPS":
        groups = tuple(dict.fromkeys(s.group for s in REGISTRY.values() if s.group))
        globals()["GROUPS"] = groups
        return groups
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def spec_of(driver_type: str) -> DriverSpec:
    """Return the spec of ``driver_type`` (KeyError names the known types)."""
    try:
        return REGISTRY[driver_type]
    except KeyError:
        raise KeyError(f"unknown driver type {driver_type!r} (known: {', '.join(REGISTRY)})") from None


_DRIVERS_MARK = re.compile(r"^drivers:[ \t]*#[ \t]*registry:[ \t]*(?P<types>[\w ,]+)$", re.M)


def template_text(skeleton: str) -> str:
    """Return a scenario template with its ``drivers:`` block filled from the registry.

    ``skeleton`` holds one line ``drivers:  # registry: earnings_growth, ai_capex``; it is
    replaced by ``drivers:`` followed by each named kind's :attr:`DriverSpec.template`.
    """
    m = _DRIVERS_MARK.search(skeleton)
    if m is None:
        return skeleton
    types = [t for t in re.split(r"[\s,]+", m.group("types").strip()) if t]
    body = "drivers:\n" + "".join(spec_of(t).template for t in types)
    return skeleton[:m.start()] + body.rstrip("\n") + skeleton[m.end():]


def reference_markdown() -> str:
    """Return the ``### <type>`` sections of the format reference, one per registered kind."""
    rows = [f"| `{s.type}` | {s.doc} | {s.group or 'index line (no log-return term)'} |"
            for s in REGISTRY.values()]
    money = ", ".join(f"`{s.type}`" for s in REGISTRY.values() if s.money)
    parts = ["| type | what it does | report group |\n|---|---|---|\n" + "\n".join(rows) + "\n",
             f"Money drivers (the amount, unit, currency and fx keys above): {money}.\n"]
    for spec in REGISTRY.values():
        title = f"### `{spec.type}`" + (" (at most one)" if spec.single else "")
        parts.append(f"{title}\n{spec.reference.rstrip()}\n")
    return "\n".join(parts)


__all__ = [
    "GROUPS", "MODULES", "REGISTRY", "CheckContext", "DriverBase", "DriverSpec", "DriverStep",
    "MoneyDriver", "Problem", "reference_markdown", "spec_of", "template_text",
]
