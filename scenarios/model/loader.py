"""Load scenario files: ``extends`` (variants), ``grid`` (families), located errors.

``extends: base.yaml`` (relative to the file) deep-merges the parent under the child: mappings merge
key by key, a distribution mapping (one with ``dist``) or any list is replaced whole, except
``drivers``, which merge by ``label`` (a child driver with a parent's label overrides the fields it
names; other child drivers are appended; ``enabled: false`` switches an inherited driver off); a
dated baseline series (:mod:`scenarios.model.dated`) and a plain value replace each other, two
short-form series merge by period end. Every error keeps the file, line and column where the
offending value was written (parent or child).

``grid: {PATH: [v1, v2, ...]}`` expands into one scenario per combination (Cartesian product
in key order). PATH addresses a value: ``drivers[capex].amount`` (driver by label or type),
``drivers[0].growth`` (by index), ``baseline[0700.HK].eps``, ``monte_carlo.draws``; a bracket
may hold a glob (``drivers[capex-*].useful_life_years``) or a list (``drivers[a, b].growth``):
one value then sets every value named. ``grid: {zip: {PATH: [...], PATH: [...]}}`` varies the
lists of a group together (equal lengths; one dimension of the product).
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from scenarios.errors import ScenarioError, ScenarioErrors, shown_path
from scenarios.model.dated import is_dated
from scenarios.paths import expand
from scenarios.yamlio import LocatedDoc, PathKey, format_path, load_yaml

MAX_GRID_POINTS = 10_000

#: Extra folders an ``extends`` may reach outside the extending file's own folder tree
#: (``--allow-path``; see :func:`allow_paths`).
_ALLOWED_ROOTS: list[Path] = []


def allow_paths(folders: Sequence[str | Path] | None) -> None:
    """Let ``extends`` also resolve inside ``folders`` (the CLI's ``--allow-path``).

    ``None`` or an empty list: only inside the folder tree of the extending file.
    """
    _ALLOWED_ROOTS[:] = [expand(f).resolve() for f in folders or ()]


def _inside(target: Path, root: Path) -> bool:
    return target == root or root in target.parents


@dataclass
class MergedDoc(LocatedDoc):
    """A :class:`LocatedDoc` whose nodes may come from several files (``extends``)."""

    files: dict[PathKey, str] = field(default_factory=dict)
    key_files: dict[PathKey, str] = field(default_factory=dict)
    chain: list[str] = field(default_factory=list)

    def where(self, path: Sequence[str | int], *, key: bool = False) -> tuple[str, int | None, int | None]:
        """Return the file, line and column of ``path`` (the nearest located ancestor)."""
        p = tuple(path)
        while True:
            if key and p in self.key_positions:
                line, col = self.key_positions[p]
                return self.key_files.get(p, self.file), line, col
            if p in self.positions:
                line, col = self.positions[p]
                return self.files.get(p, self.file), line, col
            if not p:
                return self.file, None, None
            p = p[:-1]

    def locate(self, path: Sequence[str | int], *, key: bool = False) -> tuple[int | None, int | None]:
        """Return the line and column of ``path`` (1-based, None when unknown)."""
        _, line, col = self.where(path, key=key)
        return line, col

    def error(self, path: Sequence[str | int], message: str, *, key: bool = False) -> ScenarioError:
        """Return a :class:`ScenarioError` located at ``path``."""
        file, line, col = self.where(path, key=key)
        return ScenarioError(message, file=file, line=line, column=col,
                             field=format_path(path) or None)


def _from_located(doc: LocatedDoc) -> MergedDoc:
    out = MergedDoc(file=doc.file, data=doc.data, positions=dict(doc.positions),
                    key_positions=dict(doc.key_positions))
    out.files = {p: doc.file for p in doc.positions}
    out.key_files = {p: doc.file for p in doc.key_positions}
    out.chain = [doc.file]
    return out


def _copy_positions(src: MergedDoc, src_path: PathKey, dst: MergedDoc, dst_path: PathKey) -> None:
    n = len(src_path)
    for table, files, dtable, dfiles in ((src.positions, src.files, dst.positions, dst.files),
                                         (src.key_positions, src.key_files, dst.key_positions, dst.key_files)):
        for p, pos in table.items():
            if p[:n] == src_path:
                q = dst_path + p[n:]
                dtable[q] = pos
                dfiles[q] = files.get(p, src.file)


def _merge(parent: MergedDoc, child: MergedDoc) -> MergedDoc:
    """Deep-merge ``child`` over ``parent`` (see module docstring), tracking positions."""
    out = MergedDoc(file=child.file, data=None)
    out.chain = child.chain + parent.chain

    def node(p_val: Any, p_path: PathKey, c_val: Any, c_path: PathKey, o_path: PathKey) -> Any:
        if (isinstance(p_val, dict) and isinstance(c_val, dict)
                and "dist" not in c_val and "dist" not in p_val
                and is_dated(c_val) == is_dated(p_val)):  # a dated series replaces a value and back
            _copy_positions(child, c_path, out, o_path)  # the mapping itself: child's position
            result: dict[Any, Any] = {}
            for k in list(p_val) + [k for k in c_val if k not in p_val]:
                if k in c_val and k in p_val:
                    result[k] = node(p_val[k], p_path + (k,), c_val[k], c_path + (k,), o_path + (k,))
                    if (c_path + (k,)) in child.key_positions:
                        out.key_positions[o_path + (k,)] = child.key_positions[c_path + (k,)]
                        out.key_files[o_path + (k,)] = child.key_files.get(c_path + (k,), child.file)
                elif k in c_val:
                    result[k] = c_val[k]
                    _copy_positions(child, c_path + (k,), out, o_path + (k,))
                else:
                    result[k] = p_val[k]
                    _copy_positions(parent, p_path + (k,), out, o_path + (k,))
            return result
        if o_path == ("drivers",) and isinstance(p_val, list) and isinstance(c_val, list):
            _copy_positions(child, c_path, out, o_path)
            by_label: dict[Any, int] = {}
            for j, d in enumerate(c_val):
                if isinstance(d, dict) and isinstance(d.get("label"), str):
                    by_label.setdefault(d["label"], j)
            used: set[int] = set()
            result_list: list[Any] = []
            for i, d in enumerate(p_val):
                label = d.get("label") if isinstance(d, dict) else None
                o = o_path + (len(result_list),)
                if isinstance(label, str) and label in by_label:
                    j = by_label[label]
                    used.add(j)
                    result_list.append(node(d, p_path + (i,), c_val[j], c_path + (j,), o))
                else:
                    result_list.append(d)
                    _copy_positions(parent, p_path + (i,), out, o)
            for j, d in enumerate(c_val):
                if j not in used:
                    o = o_path + (len(result_list),)
                    result_list.append(d)
                    _copy_positions(child, c_path + (j,), out, o)
            return result_list
        _copy_positions(child, c_path, out, o_path)
        return c_val

    out.data = node(parent.data, (), child.data, (), ())
    return out


def _resolve(path: Path, display: str, stack: list[tuple[Path, str]]) -> MergedDoc:
    doc = _from_located(load_yaml(path, display_name=display))
    if not isinstance(doc.data, dict):
        raise doc.error((), f"a scenario file must be a YAML mapping (got {type(doc.data).__name__})")
    ext = doc.data.get("extends")
    if ext is None:
        return doc
    if not isinstance(ext, str) or not ext.strip():
        raise doc.error(("extends",), f"must be a file name such as base.yaml (got {ext!r})")
    if "\x00" in ext:
        raise doc.error(("extends",), "must be a file name such as base.yaml (it holds a NUL character)")
    home = path.parent.resolve()
    target = (path.parent / ext).resolve()  # symlinks followed: a link out of the tree is out
    if not any(_inside(target, root) for root in (home, *_ALLOWED_ROOTS)):
        # nothing of the other file is read, so nothing of it can leak into the message
        raise doc.error(("extends",), f"{ext!r} is outside the folder of this file ({home}); "
                        "extends may only name files in that folder or below it (use --allow-path "
                        "DIR to allow another folder)")
    seen = stack + [(path.resolve(), display)]
    hit = next((i for i, (p, _) in enumerate(seen) if p == target), None)
    if hit is not None:
        names = [d for _, d in seen[hit:]] + [seen[hit][1]]
        raise doc.error(("extends",), "extends cycle: " + " -> ".join(names))
    if not target.is_file():
        raise doc.error(("extends",), f"file not found: {shown_path(ext)} (looked for {shown_path(target)})")
    parent_display = str(Path(display).parent / ext) if Path(display).parent != Path(".") else ext
    parent = _resolve(target, _tidy(parent_display), stack + [(path.resolve(), display)])
    merged = _merge(parent, doc)
    if isinstance(merged.data, dict):
        merged.data.pop("extends", None)
    return merged


def _tidy(name: str) -> str:
    import os

    return os.path.normpath(name)


def read_scenario_doc(path: str | Path) -> MergedDoc:
    """Parse ``path`` and resolve its ``extends`` chain into one located document."""
    p = Path(path)
    return _resolve(p, str(path), [])


def _sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _validate(doc: MergedDoc):
    try:
        return _model_validate(doc.data)
    except ValidationError as exc:
        from scenarios.yamlio import validation_errors

        raise validation_errors(exc, doc) from None


def _model_validate(data: Any):
    """``Scenario.model_validate(data)``, by the model of the file's driver kinds when it can.

    :func:`scenarios.model.schema.scenario_model`; data it rejects are validated again by
    :class:`Scenario`, whose errors (or result) are the answer.
    """
    from scenarios.model.schema import Scenario, scenario_model

    model = scenario_model(data)
    if model is Scenario:
        return Scenario.model_validate(data)
    try:
        return model.model_validate(data)
    except ValidationError:
        return Scenario.model_validate(data)


def build_scenario(doc: MergedDoc, *, file: str | None = None, sha256: str | None = None,
                   check: bool = True):
    """Validate a located document into a :class:`Scenario` (static checks included)."""
    from scenarios.model.validation import percent_warnings, static_checks

    try:
        scenario = _validate(doc)
    except ScenarioErrors as exc:
        more = _independent_errors(doc, exc.errors) if check else []
        if more:
            exc = ScenarioErrors(sorted(exc.errors + more, key=lambda e: (e.file or "", e.line or 0,
                                                                          e.column or 0)))
        exc.warnings = percent_warnings(doc)
        raise exc from None
    scenario._doc = doc
    scenario._raw = doc.data
    scenario._file = file if file is not None else doc.file
    scenario._sha256 = sha256
    if check:
        errors, warnings = static_checks(scenario, doc)
        errors.extend(_grid_errors(scenario, doc))
        if errors:
            errors.sort(key=lambda e: (e.file or "", e.line or 0, e.column or 0))
            err = ScenarioErrors(errors)
            err.warnings = warnings
            raise err
        scenario._warnings = warnings
    return scenario


class _StrippedDoc(MergedDoc):
    """``doc`` without the drivers (and optional top-level keys) that failed validation.

    Paths into it are mapped back to the original document for locations and field names.
    """

    def __init__(self, original: MergedDoc, data: Any, kept: list[int]) -> None:
        super().__init__(file=original.file, data=data, positions=original.positions,
                         key_positions=original.key_positions)
        self.files, self.key_files, self.chain = original.files, original.key_files, original.chain
        self._original = original
        self._kept = kept

    def _unmap(self, path: Sequence[str | int]) -> PathKey:
        p = tuple(path)
        if len(p) > 1 and p[0] == "drivers" and isinstance(p[1], int) and 0 <= p[1] < len(self._kept):
            return ("drivers", self._kept[p[1]]) + p[2:]
        return p

    def where(self, path: Sequence[str | int], *, key: bool = False) -> tuple[str, int | None, int | None]:
        return self._original.where(self._unmap(path), key=key)

    def error(self, path: Sequence[str | int], message: str, *, key: bool = False) -> ScenarioError:
        return self._original.error(self._unmap(path), message, key=key)


_DRIVER_FIELD = re.compile(r"^drivers\[(\d+)\]")


def _independent_errors(doc: MergedDoc, errors: list[ScenarioError]) -> list[ScenarioError]:
    """Return the cross-field errors of the parts of ``doc`` that validated.

    Cross-field errors are those of FX, shares, universe...; checking only the parts that DID
    validate lets one pass report every independent error: the drivers with schema errors and the
    optional top-level keys with errors are left out, and the rest is checked as usual. Nothing when
    a required field failed (the later checks would be meaningless).
    """
    from scenarios.model.schema import Scenario
    from scenarios.model.validation import static_checks

    if not isinstance(doc.data, dict):
        return []
    data = copy.deepcopy(doc.data)
    drop_drivers: set[int] = set()
    for e in errors:
        name = e.field or ""
        m = _DRIVER_FIELD.match(name)
        top = re.split(r"[.\[]", name, maxsplit=1)[0]
        if m and isinstance(data.get("drivers"), list):
            drop_drivers.add(int(m.group(1)))
        elif top and top in data and top not in Scenario.model_fields:
            data.pop(top)  # an unknown key
        elif top in Scenario.model_fields and not Scenario.model_fields[top].is_required() \
                and top not in ("drivers", "extends", "grid"):
            data.pop(top, None)
        else:
            return []
    kept = [i for i in range(len(data.get("drivers") or [])) if i not in drop_drivers]
    if isinstance(data.get("drivers"), list):
        data["drivers"] = [data["drivers"][i] for i in kept]
    stripped = _StrippedDoc(doc, data, kept)
    try:
        partial = _validate(stripped)
    except ScenarioErrors:
        return []
    partial._doc = stripped
    partial._raw = data
    seen = {(e.line, e.column, e.message) for e in errors}
    try:
        found, _ = static_checks(partial, stripped)
    except Exception:  # noqa: BLE001 - a best-effort second pass never hides the first errors
        return []
    return [e for e in found if (e.line, e.column, e.message) not in seen]


def scenario_from_dict(data: dict[str, Any], *, file: str = "<dict>", check: bool = True):
    """Build a scenario from plain data (as YAML would give it), with the same checks as a file.

    Errors name ``file`` and the field path (no line numbers).
    """
    doc = MergedDoc(file=file, data=copy.deepcopy(data))
    return build_scenario(doc, file=file, check=check)


def load_scenario(path: str | Path, *, check: bool = True):
    """Load, resolve ``extends``, validate and statically check a scenario file.

    Raises :class:`~scenarios.errors.ScenarioErrors` listing every located problem. Located
    warnings (percent-looking fractions...) are on ``scenario.warnings``. The grid is kept
    unexpanded: see :func:`expand_grid`. Checks that need prices (unknown symbols, P/E
    cross-check) are in :func:`scenarios.model.validation.data_checks`.
    """
    doc = read_scenario_doc(path)
    return build_scenario(doc, file=str(path), sha256=_sha256(path), check=check)


# ------------------------------------------------------------------ grid

_TOKEN = re.compile(r"\[([^\]]+)\]|([^.\[\]]+)")
_GLOB = re.compile(r"[*?]")
ZIP_KEY = "zip"


def parse_grid_path(text: str) -> list[str | int]:
    """``drivers[capex].amount`` -> ``['drivers', 'capex', 'amount']`` (ints for [digits]).

    A bracket may hold a glob (``drivers[capex-*]``) or a comma-separated list of names
    (``drivers[capex-amzn, capex-msft]``); it is kept as one string part and matched by
    :func:`resolve_grid_paths`.
    """
    parts: list[str | int] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        if text[pos] == ".":
            pos += 1
            continue
        m = _TOKEN.match(text, pos)
        if not m:
            raise ValueError(f"cannot parse the path {text!r} at {text[pos:]!r}")
        br, word = m.group(1), m.group(2)
        if br is not None:
            br = br.strip().strip("'\"")
            parts.append(int(br) if br.isdigit() and not br.startswith("0") or br == "0" else br)
        else:
            parts.append(word)
        pos = m.end()
    if not parts:
        raise ValueError("empty path")
    return parts


def _alternatives(part: str | int) -> list[str | int]:
    if isinstance(part, int) or "," not in part:
        return [part]
    alts: list[str | int] = []
    for a in part.split(","):
        a = a.strip().strip("'\"")
        if not a:
            raise ValueError(f"empty name in the list [{part}]")
        alts.append(int(a) if a.isdigit() and (not a.startswith("0") or a == "0") else a)
    return alts


def _list_matches(cur: list[Any], part: str | int) -> list[int]:
    """Return indices of the items of a list (drivers) that ``part`` names.

    An index, a label (or the type of an unlabelled item), a glob over labels (and such types).
    """
    from fnmatch import fnmatchcase

    if isinstance(part, int):
        if not 0 <= part < len(cur):
            raise ValueError(f"index {part} is out of range (the list has {len(cur)} items)")
        return [part]
    def name(d: Any) -> str | None:
        if not isinstance(d, dict):
            return None
        return d.get("label") if isinstance(d.get("label"), str) and d.get("label") else d.get("type")
    if _GLOB.search(part):
        hits = [j for j, d in enumerate(cur) if isinstance(name(d), str) and fnmatchcase(name(d), part)]  # type: ignore[type-var]
        if not hits:
            raise ValueError(f"the pattern {part!r} matches no item (names here: "
                             f"{', '.join(str(name(d)) for d in cur) or 'none'})")
        return hits
    hits = [j for j, d in enumerate(cur) if isinstance(d, dict) and d.get("label") == part]
    if not hits:
        hits = [j for j, d in enumerate(cur) if isinstance(d, dict) and d.get("type") == part
                and not d.get("label")]
    if len(hits) != 1:
        raise ValueError(f"no single item labelled {part!r}" if not hits
                         else f"{part!r} matches {len(hits)} items; give them labels")
    return hits


def _dict_matches(cur: dict[Any, Any], part: str | int, last: bool, done: PathKey) -> list[Any]:
    """Keys of a mapping that ``part`` names (symbols normalized; globs over the keys)."""
    from fnmatch import fnmatchcase

    from scenarios.data.symbols import normalize_symbol

    def norm(k: Any) -> str | None:
        try:
            return normalize_symbol(str(k))
        except ValueError:
            return None
    if isinstance(part, str) and _GLOB.search(part):
        hits = [k for k in cur if fnmatchcase(str(k), part) or fnmatchcase(norm(k) or "", part)]
        if not hits:
            raise ValueError(f"the pattern {part!r} matches no key of {format_path(done) or 'the file'}")
        return hits
    if part in cur:
        return [part]
    alt = {norm(k): k for k in cur if norm(k) is not None}
    n = norm(part)
    if n in alt:
        return [alt[n]]
    if not last:
        raise ValueError(f"{format_path(done) or 'the file'} has no key {part!r}")
    return [part]


def resolve_grid_paths(data: Any, parts: list[str | int]) -> list[PathKey]:
    """Return every concrete path into ``data`` that ``parts`` names.

    Labels become indices, globs and lists are expanded; paths come in document order, without
    duplicates. The last part may be a new key.
    """
    paths: list[tuple[PathKey, Any]] = [((), data)]
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        nxt: list[tuple[PathKey, Any]] = []
        for done, cur in paths:
            for alt in _alternatives(part):
                if isinstance(cur, list):
                    for j in _list_matches(cur, alt):
                        nxt.append((done + (j,), cur[j]))
                elif isinstance(cur, dict):
                    for k in _dict_matches(cur, alt, last, done):
                        nxt.append((done + (k,), cur.get(k)))
                else:
                    raise ValueError(f"{format_path(done)} is a value, not a mapping or list")
        seen: set[PathKey] = set()
        paths = []
        for p, node in nxt:
            if p not in seen:
                seen.add(p)
                paths.append((p, node))
    return [p for p, _ in paths]


def _set(data: Any, path: PathKey, value: Any) -> None:
    cur = data
    for p in path[:-1]:
        cur = cur[p]
    cur[path[-1]] = value


def _label(value: Any) -> str:
    if isinstance(value, float):
        short = f"{value:g}"  # 6 significant digits, unless that would merge two grid values
        return short if float(short) == value else repr(value)
    if isinstance(value, dict) and "dist" in value:
        inner = ", ".join(f"{k}={v}" for k, v in value.items() if k != "dist")
        return f"{value['dist']}({inner})"
    return str(value)


@dataclass
class _GridKey:
    """One grid parameter: its text, where it is written, the values and the paths it sets."""

    key: str
    where: PathKey            # ("grid", key) or ("grid", "zip", key) (or ("grid", "zip", g, key))
    values: list[Any]
    paths: list[PathKey] = field(default_factory=list)


def _grid_axes(grid: dict[str, Any]) -> tuple[list[list[_GridKey]], list[tuple[PathKey, str]]]:
    """Return the axes of the grid and its structural problems.

    Axes of the grid (plain keys: one axis each; a ``zip`` group: one axis whose keys move
    together) and structural problems as (where, message).
    """
    axes: list[list[_GridKey]] = []
    problems: list[tuple[PathKey, str]] = []
    for k, v in grid.items():
        if k == ZIP_KEY:
            groups = v if isinstance(v, list) else [v]
            for g, group in enumerate(groups):
                base: PathKey = ("grid", ZIP_KEY) if not isinstance(v, list) else ("grid", ZIP_KEY, g)
                if not isinstance(group, dict) or not group:
                    problems.append((base, "zip takes a mapping {parameter path: [values]} "
                                           "(or a list of such mappings) whose lists vary together"))
                    continue
                axis = []
                for zk, zv in group.items():
                    if not isinstance(zv, list):
                        problems.append((base + (zk,), f"must be a list of values (got {_label(zv)})"))
                        continue
                    axis.append(_GridKey(str(zk), base + (zk,), zv))
                lengths = {a.key: len(a.values) for a in axis}
                if len(set(lengths.values())) > 1:
                    problems.append((base, "zip lists must have the same length ("
                                     + ", ".join(f"{a}: {n}" for a, n in lengths.items()) + ")"))
                    continue
                if axis:
                    axes.append(axis)
            continue
        if not isinstance(v, list):
            problems.append((("grid", k), f"must be a list of values (got {_label(v)})"))
            continue
        axes.append([_GridKey(str(k), ("grid", k), v)])
    return axes, problems


def _axis_len(axis: list[_GridKey]) -> int:
    return len(axis[0].values)


def _grid_points(scenario) -> tuple[list[list[_GridKey]], list[tuple[int, ...]]]:
    raw = scenario._raw
    axes, _ = _grid_axes(scenario.grid)
    for axis in axes:
        for gk in axis:
            gk.paths = resolve_grid_paths(raw, parse_grid_path(gk.key))
    combos = list(itertools.product(*[range(_axis_len(a)) for a in axes]))
    return axes, combos


def _apply(data: Any, axes: list[list[_GridKey]], combo: tuple[int, ...]) -> dict[str, Any]:
    point: dict[str, Any] = {}
    for axis, i in zip(axes, combo, strict=True):
        for gk in axis:
            for path in gk.paths:
                _set(data, path, copy.deepcopy(gk.values[i]))
            point[gk.key] = gk.values[i]
    return point


def _grid_errors(scenario, doc: MergedDoc) -> list[ScenarioError]:
    errors: list[ScenarioError] = []
    if not scenario.grid:
        return errors
    raw = scenario._raw
    axes, problems = _grid_axes(scenario.grid)
    errors.extend(doc.error(where, msg) for where, msg in problems)
    for axis in axes:
        for gk in axis:
            try:
                gk.paths = resolve_grid_paths(raw, parse_grid_path(gk.key))
            except ValueError as exc:
                errors.append(doc.error(gk.where, f"bad parameter path: {exc}", key=True))
                continue
            bad = next((p for p in gk.paths if p and p[0] in ("grid", "extends", "name")), None)
            if bad is not None:
                errors.append(doc.error(gk.where, f"cannot vary {bad[0]!r} in a grid", key=True))
                continue
            if not gk.values:
                errors.append(doc.error(gk.where, "needs at least one value"))
    if errors:
        return errors
    total = 1
    for axis in axes:
        total *= _axis_len(axis)
    if total > MAX_GRID_POINTS:
        return [doc.error(("grid",), f"expands to {total} scenarios (at most {MAX_GRID_POINTS})")]
    # every single value must validate in place (other keys at the file's values)
    for axis in axes:
        for gk in axis:
            where = ", ".join(format_path(p) for p in gk.paths)
            for i, v in enumerate(gk.values):
                data = copy.deepcopy(raw)
                data.pop("grid", None)
                for path in gk.paths:
                    _set(data, path, copy.deepcopy(v))
                try:
                    _validate_plain(data)
                except _PlainErrors as exc:
                    for msg in exc.messages:
                        errors.append(doc.error(gk.where + (i,), f"value {_label(v)} for {where}: {msg}"))
    return errors


class _PlainErrors(Exception):
    def __init__(self, messages: list[str]) -> None:
        self.messages = messages


def _validate_plain(data: Any):
    from scenarios.yamlio import validation_errors

    try:
        return _model_validate(data)
    except ValidationError as exc:
        tmp = LocatedDoc(file="", data=data)
        errs = validation_errors(exc, tmp).errors
        raise _PlainErrors([f"{e.field}: {e.message}" if e.field else e.message for e in errs]) from None


def _at_grid_value(e: ScenarioError, doc: Any, axes: list[list[_GridKey]], combo: tuple[int, ...],
                   suffix: str) -> ScenarioError:
    """Re-locate an error of an expanded grid point at the grid value that caused it."""
    message = f"at grid point [{suffix}]: {e.message}"
    for axis, i in zip(axes, combo, strict=True):
        for gk in axis:
            for path in gk.paths:
                target = format_path(path)
                if doc is not None and e.field and (e.field == target or e.field.startswith(target + ".")
                                                    or e.field.startswith(target + "[")):
                    loc = doc.error(gk.where + (i,), message)
                    return ScenarioError(message, file=loc.file, line=loc.line, column=loc.column,
                                         field=e.field)
    return ScenarioError(message, file=e.file, line=e.line, column=e.column, field=e.field)


def expand_grid(scenario) -> list:
    """One scenario per grid combination (the scenario itself, in a list, when no grid).

    Plain keys multiply (Cartesian product in key order); the keys of a ``zip`` group move
    together (one dimension). A key naming several values (glob or list of labels) sets them
    all to the same value. Each expanded scenario has ``grid`` emptied, ``grid_point`` set to
    ``{path: value}`` and its name suffixed with ``[path=value, ...]``; file, hash and located
    document are kept.
    """
    if not scenario.grid:
        return [scenario]
    axes, combos = _grid_points(scenario)
    doc = scenario._doc
    out = []
    for combo in combos:
        data = copy.deepcopy(scenario._raw)
        data.pop("grid", None)
        point = _apply(data, axes, combo)
        suffix = ", ".join(f"{k}={_label(v)}" for k, v in point.items())
        data["name"] = f"{scenario.name} [{suffix}]"
        sub = MergedDoc(file=doc.file if doc else (scenario.file or "<grid>"), data=data)
        if doc is not None:
            sub.positions, sub.key_positions = doc.positions, doc.key_positions
            sub.files, sub.key_files, sub.chain = doc.files, doc.key_files, doc.chain
        try:
            s = build_scenario(sub, file=scenario.file, sha256=scenario.file_sha256, check=True)
        except ScenarioErrors as exc:  # e.g. a grid of horizons with one before as_of
            raise ScenarioErrors([_at_grid_value(e, doc, axes, combo, suffix)
                                  for e in exc.errors]) from None
        s._warnings = list(scenario.warnings)
        s._grid_point = point
        out.append(s)
    return out
