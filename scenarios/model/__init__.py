"""Scenario files: schema, loading (``extends``, ``grid``), distributions and checks.

Public API::

    load_scenario(path) -> Scenario          # extends resolved, statically checked
    expand_grid(scenario) -> list[Scenario]  # one per grid combination
    data_checks(scenario, source) -> (errors, warnings)   # checks that need prices
    resolve_scenario(scenario, source=...) -> ResolvedScenario  # what the engine runs
    REGISTRY: driver type -> DriverSpec      # one module per driver kind (model/drivers/)
"""

from scenarios.model.distributions import (
    Choice,
    LogNormal,
    Normal,
    Triangular,
    Uniform,
    is_random,
    sample,
)
from scenarios.model.drivers import REGISTRY, DriverSpec
from scenarios.model.loader import (
    build_scenario,
    expand_grid,
    load_scenario,
    parse_grid_path,
    read_scenario_doc,
    scenario_from_dict,
)
from scenarios.model.references import driver_targets, fx_rate, resolve_universe, theme_of
from scenarios.model.resolved import ResolvedScenario, resolve_scenario
from scenarios.model.schema import DRIVER_TYPES, Baseline, Scenario, add_period
from scenarios.model.validation import ScenarioWarning, data_checks, static_checks

__all__ = [
    "DRIVER_TYPES", "REGISTRY", "Baseline", "Choice", "DriverSpec", "ResolvedScenario", "LogNormal", "Normal",
    "Scenario", "ScenarioWarning",
    "Triangular", "Uniform", "add_period", "build_scenario", "data_checks", "driver_targets",
    "expand_grid", "fx_rate", "is_random", "load_scenario", "parse_grid_path", "read_scenario_doc",
    "resolve_scenario", "resolve_universe", "sample", "scenario_from_dict", "static_checks", "theme_of",
]
