"""narrative-scenarios: market narratives as parameterized, testable scenarios.

The ``scenarios`` package holds I/O and orchestration (YAML schema, data layer, engine,
backtester, CLI). Pure valuation and index math lives in the sibling ``valuation`` package,
which never imports ``scenarios``.
"""

__version__ = "0.1.0"
