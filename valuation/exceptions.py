"""Exceptions raised by the ``valuation`` package.

Every error derives from :class:`ValuationError`, itself a :class:`ValueError`, so callers can
catch the whole family with one ``except`` (and generic code that expects ``ValueError`` for bad
arguments keeps working). Messages name the argument, the rule it broke and the first offending
value with its position, e.g. ``capex must be >= 0 (got -5.0 at position (3,); 1 of 10 values)``.
"""

from __future__ import annotations

__all__ = [
    "ValuationError",
    "InputTypeError",
    "InputShapeError",
    "NonFiniteInputError",
    "InputRangeError",
    "PercentNotFractionError",
    "InfeasibleCapError",
    "ConvergenceError",
    "MissingDependencyError",
]


class ValuationError(ValueError):
    """Base class of every error raised by ``valuation``."""


class InputTypeError(ValuationError):
    """An input is not numeric (strings, objects, datetimes...)."""


class InputShapeError(ValuationError):
    """Inputs of incompatible shapes or labels.

    Inputs cannot be broadcast together, or have the wrong number of dimensions, or pandas
    inputs carry labels that do not line up.
    """


class NonFiniteInputError(ValuationError):
    """NaN or infinity where the function needs finite numbers."""


class InputRangeError(ValuationError):
    """A value outside its allowed domain.

    For example a negative useful life, cap <= 0, growth <= -100%, or a negative equity value when a
    price is asked for.
    """


class PercentNotFractionError(InputRangeError):
    """A fraction argument looks like a percent (``25`` for 25%): pass ``0.25``."""


class InfeasibleCapError(ValuationError):
    """Weights cannot be capped.

    The caps of the names with positive weight add up to less than 1 (with one cap ``c`` and ``n``
    positive names: ``c * n < 1``).
    """


class ConvergenceError(ValuationError):
    """An iterative solver did not reach its tolerance."""


class MissingDependencyError(ValuationError, ImportError):
    """An optional package is needed for this function (GARCH needs ``arch``).

    The message names the install command.
    """
