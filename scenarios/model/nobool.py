"""Booleans are not numbers: ``draws: true`` must not run with 1 draw.

Python's ``bool`` is an ``int``, and pydantic's lax mode turns ``true`` into ``1`` / ``1.0``. The
schema models call :func:`reject_bools` from a ``model_validator(mode="before")`` so that a
YAML boolean given where the field takes a number (and no boolean) fails at that field.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from typing_extensions import TypeAliasType

#: named type alias classes (typing_extensions' and, on Python 3.12+, typing's own)
_ALIAS_TYPES: tuple[type, ...] = tuple({TypeAliasType, getattr(typing, "TypeAliasType", TypeAliasType)})


def _alias_value(annotation: Any) -> Any:
    """Return the aliased type of a named type alias (``TypeAliasType``), else ``annotation``."""
    while isinstance(annotation, _ALIAS_TYPES):
        annotation = getattr(annotation, "__value__")  # noqa: B009 - TypeAliasType: typed as object here
    return annotation


def _types(annotation: Any) -> set[Any]:
    """Every type an annotation names (through Optional/Union/Annotated/list and named aliases)."""
    annotation = _alias_value(annotation)
    origin = typing.get_origin(annotation)
    if origin is None:
        return {annotation}
    if origin is typing.Annotated:
        return _types(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        out: set[Any] = set()
        for arg in typing.get_args(annotation):
            out |= _types(arg)
        return out
    return {origin}


def _element_annotations(annotation: Any) -> list[Any]:
    """Return the element annotations of the list/tuple forms of an annotation.

    For example ``list[float]`` and ``tuple[float, float] | None`` give their elements' annotations.
    """
    annotation = _alias_value(annotation)
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _element_annotations(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [e for arg in typing.get_args(annotation) for e in _element_annotations(arg)]
    if origin in (list, tuple):
        return [a for a in typing.get_args(annotation) if a is not Ellipsis]
    return []


def wants_number_not_bool(annotation: Any) -> bool:
    """Return True when the annotation accepts int/float but not bool (nor Any)."""
    found = _types(annotation)
    return bool(found & {int, float}) and not found & {bool, Any, object}


class BoolNotNumber(str):
    """What a boolean becomes in a numeric field.

    Text that no number parser accepts, so the field's own validation fails AT THE FIELD with
    ``must be a number (got true, a boolean)``.
    """


def reject_bools(model: Any, data: Any) -> Any:
    """Return ``data`` with booleans given to numeric fields marked.

    Return ``data`` (a model's raw input) with every boolean given to a numeric field (one that
    takes int/float and no bool) replaced by a :class:`BoolNotNumber`.
    """
    if not isinstance(data, dict):
        return data
    out = None
    for name, field in model.model_fields.items():
        key = field.alias or name
        value = data.get(key)
        if isinstance(value, bool) and wants_number_not_bool(field.annotation):
            out = dict(data) if out is None else out
            out[key] = BoolNotNumber(str(value).lower())
        elif isinstance(value, list) and any(isinstance(v, bool) for v in value):
            elements = _element_annotations(field.annotation)
            if elements and all(wants_number_not_bool(a) for a in elements):
                out = dict(data) if out is None else out
                out[key] = [BoolNotNumber(str(v).lower()) if isinstance(v, bool) else v for v in value]
    return data if out is None else out
