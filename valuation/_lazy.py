"""Names of a package that load their module on first use (PEP 562 module ``__getattr__``).

Keeps ``import valuation`` (and the packages that re-export many names) cheap: a name's module is
imported when the name is first read, then the value is kept in the package's namespace.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any


def lazy_names(package: str, namespace: dict[str, Any], names: Mapping[str, str],
               submodules: Iterable[str] = (), listed: Iterable[str] = ()
               ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Return the ``__getattr__`` and ``__dir__`` of ``package``.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    namespace : dict
        Its ``globals()``: a loaded name is stored there (the next read does not come back here).
    names : mapping of str to str
        Public name -> absolute name of the module that defines it.
    submodules : iterable of str
        Submodules (relative names) that are attributes of the package, imported on first use.
    listed : iterable of str
        Extra names ``dir()`` lists (e.g. ``__all__``); the ``names`` are always listed.
    """
    subs = frozenset(submodules)
    shown = sorted({*names, *listed})

    def __getattr__(name: str) -> Any:  # noqa: N807 - the module protocol's name
        if name in subs:
            return importlib.import_module(f"{package}.{name}")
        where = names.get(name)
        if where is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(where), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:  # noqa: N807
        return sorted({*namespace, *shown})

    return __getattr__, __dir__
