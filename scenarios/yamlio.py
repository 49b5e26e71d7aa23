"""YAML with positions: load a file, keep every node's line/column, locate validation errors.

Pydantic validation errors become located :class:`~scenarios.errors.ScenarioError` messages.

Every input file of the toolkit (scenarios, claims, drivers, universes) goes through here, so
all of them report errors the same way::

    examples/capex.yaml:14:7 drivers[2].useful_life_years: must be > 0 (got -3)

Lines and columns are 1-based. Duplicate keys in a mapping are an error (PyYAML would keep
the last one silently).

Hostile files are refused before they cost time or memory: files over :data:`MAX_FILE_BYTES`,
nesting deeper than :data:`MAX_DEPTH` (checked on the event stream, before libyaml's recursive
composer sees it), recursive aliases, and aliases that expand to more than
:data:`MAX_ALIAS_NODES` nodes ("billion laughs"). Each is a located :class:`ScenarioError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from scenarios.errors import ScenarioError, ScenarioErrors

PathKey = tuple[str | int, ...]

#: Largest input file read (bytes). Scenario, claims and seed files are a few kB.
MAX_FILE_BYTES = 5 * 1024 * 1024
#: Deepest nesting of mappings/sequences (scenario files use fewer than 10 levels).
MAX_DEPTH = 64
#: Most nodes that aliases may add by re-use (each ``*alias`` expands its anchor's subtree).
MAX_ALIAS_NODES = 10_000


@dataclass
class LocatedDoc:
    """A parsed YAML document with the position of every node.

    ``positions[path]`` is the (line, column) of the *value* at ``path``; ``key_positions[path]``
    is the position of the mapping key that introduced it (if any).
    """

    file: str
    data: Any
    positions: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[PathKey, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: Sequence[str | int], *, key: bool = False) -> tuple[int | None, int | None]:
        """Best known (line, column) for ``path``: the path itself, else its nearest ancestor."""
        p = tuple(path)
        while True:
            table = self.key_positions if key and p in self.key_positions else self.positions
            if p in table:
                return table[p]
            if not p:
                return (None, None)
            p = p[:-1]

    def error(self, path: Sequence[str | int], message: str, *, key: bool = False) -> ScenarioError:
        """Return a :class:`ScenarioError` located at ``path`` in this document."""
        line, col = self.locate(path, key=key)
        return ScenarioError(message, file=self.file, line=line, column=col,
                             field=format_path(path) or None)


def format_path(path: Iterable[str | int]) -> str:
    """``('drivers', 2, 'useful_life_years')`` -> ``drivers[2].useful_life_years``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


# libyaml's parser is ~15x faster than the pure-Python one and keeps the same node marks.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[valid-type,misc]
    """Safe loader (libyaml when available) that refuses duplicate keys."""


def _timestamp_or_text(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    """Return a timestamp, or the text of a date-looking scalar that is no date.

    Return a date-looking scalar that is not a real date (``2025-13-01``) stays text, so that
    validation reports it at its position instead of PyYAML raising a bare ValueError.
    """
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)  # type: ignore[arg-type]
    except ValueError:
        return str(node.value)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)

# YAML 1.2 floats: PyYAML (YAML 1.1) reads ``1.0e9``, ``1e9`` and ``1e-3`` as TEXT (it wants a
# dot and a signed exponent), so ``amount: 1.0e9`` failed with "must be a number".
import re as _re  # noqa: E402 - local to this one rule

_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    _re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$"),
    list("-+0123456789."))


@dataclass
class _Budget:
    """What one document walk has spent.

    Nodes seen once, nodes re-walked through aliases, and the nodes on the current branch (an alias
    back to one of them is a cycle).
    """

    seen: set[int] = field(default_factory=set)
    branch: set[int] = field(default_factory=set)
    alias_nodes: int = 0


def _mark_error(doc: LocatedDoc, node: yaml.Node, path: PathKey, message: str) -> ScenarioError:
    return ScenarioError(message, file=doc.file, line=node.start_mark.line + 1,
                         column=node.start_mark.column + 1, field=format_path(path) or None)


def _walk(node: yaml.Node, path: PathKey, doc: LocatedDoc, loader: _Loader,
          budget: _Budget | None = None) -> Any:
    budget = budget if budget is not None else _Budget()
    ident = id(node)
    if ident in budget.branch:
        raise _mark_error(doc, node, path, "recursive alias: the anchor contains an alias to itself "
                          "(a YAML value cannot contain itself; write the values out)")
    if ident in budget.seen:
        budget.alias_nodes += 1
        if budget.alias_nodes > MAX_ALIAS_NODES:
            raise _mark_error(doc, node, path, f"aliases expand to more than {MAX_ALIAS_NODES:,} "
                              "nodes (a \"billion laughs\" file?); write the values out or use "
                              "fewer nested aliases")
    else:
        budget.seen.add(ident)
    if len(path) > MAX_DEPTH:
        raise _mark_error(doc, node, path, f"nested deeper than {MAX_DEPTH} levels")
    doc.positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
        budget.branch.add(ident)
        try:
            return _walk_collection(node, path, doc, loader, budget)
        finally:
            budget.branch.discard(ident)
    return loader.construct_object(node, deep=True)


def _walk_collection(node: yaml.Node, path: PathKey, doc: LocatedDoc, loader: _Loader,
                     budget: _Budget) -> Any:
    if isinstance(node, yaml.MappingNode):
        try:
            loader.flatten_mapping(node)
        except RecursionError:
            raise _mark_error(doc, node, path, "recursive merge key (<<): the anchor merges "
                              "itself") from None
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise ScenarioError("mapping keys must be plain scalars", file=doc.file,
                                    line=key_node.start_mark.line + 1,
                                    column=key_node.start_mark.column + 1, field=format_path(path) or None)
            key = loader.construct_object(key_node, deep=True)
            if isinstance(key, (list, dict)):
                raise ScenarioError("mapping keys must be plain scalars", file=doc.file,
                                    line=key_node.start_mark.line + 1,
                                    column=key_node.start_mark.column + 1, field=format_path(path) or None)
            if key in out:
                raise ScenarioError(f"duplicate key {key!r} (a key may appear once per mapping)",
                                    file=doc.file, line=key_node.start_mark.line + 1,
                                    column=key_node.start_mark.column + 1,
                                    field=format_path(path + (str(key),)))
            child = path + (key,)
            doc.key_positions[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            out[key] = _walk(value_node, child, doc, loader, budget)
        return out
    return [_walk(item, path + (i,), doc, loader, budget) for i, item in enumerate(node.value)]


def _check_depth(text: str, file: str) -> None:
    """Refuse nesting deeper than :data:`MAX_DEPTH`.

    The depth is read from the event stream: libyaml's composer recurses in C and would crash the
    process on a file of 50,000 ``[``.
    """
    loader = _Loader(text)
    depth = 0
    try:
        while True:
            event = loader.get_event()
            if event is None or isinstance(event, yaml.StreamEndEvent):
                return
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    raise ScenarioError(f"nested deeper than {MAX_DEPTH} levels", file=file,
                                        line=mark.line + 1, column=mark.column + 1)  # type: ignore[union-attr]
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.YAMLError as exc:
        if "nesting depth" in str(exc):  # libyaml's own limit (PyYAML >= 6.0.4) can come first
            mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
            raise ScenarioError(f"nested deeper than {MAX_DEPTH} levels", file=file,
                                line=mark.line + 1 if mark else None,
                                column=mark.column + 1 if mark else None) from None
        return  # a syntax error: the real parse below reports it with its position
    finally:
        loader.dispose()


def parse_yaml(text: str, file: str | Path = "<string>") -> LocatedDoc:
    """Parse one YAML document from ``text``; syntax errors become located ScenarioErrors."""
    doc = LocatedDoc(file=str(file), data=None)
    if len(text) > MAX_FILE_BYTES:
        raise ScenarioError(f"the file is too large ({len(text):,} characters; input files are "
                            f"limited to {MAX_FILE_BYTES // (1024 * 1024)} MB)", file=doc.file)
    _check_depth(text, doc.file)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise ScenarioError("the file is empty (expected a YAML mapping)", file=doc.file, line=1, column=1)
        doc.data = _walk(node, (), doc, loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or str(exc)
        context = f" ({exc.context})" if exc.context else ""
        raise ScenarioError(f"invalid YAML: {problem}{context}", file=doc.file,
                            line=mark.line + 1 if mark else None,
                            column=mark.column + 1 if mark else None) from None
    except yaml.reader.ReaderError as exc:  # a raw control character: PyYAML gives only "position N"
        line, column = _line_col(text, exc.position)
        raise ScenarioError(f"invalid YAML: {str(exc).splitlines()[0]}", file=doc.file,
                            line=line, column=column) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"invalid YAML: {exc}", file=doc.file) from None
    finally:
        loader.dispose()
    return doc


def _line_col(text: str, position: int) -> tuple[int, int]:
    """1-based line and column of the character at index ``position`` of ``text``."""
    position = max(0, min(position, len(text)))
    line_start = text.rfind("\n", 0, position) + 1
    return text.count("\n", 0, position) + 1, position - line_start + 1


#: Documents parsed by :func:`peek_yaml`, each handed to the next :func:`load_yaml` of the same
#: file: (path, display name) -> (the bytes parsed, the document). At most :data:`_PEEK_KEEP`.
_PEEKED: dict[tuple[str, str], tuple[bytes, LocatedDoc]] = {}
_PEEK_KEEP = 8


def peek_yaml(path: str | Path, *, display_name: str | None = None) -> LocatedDoc:
    """Parse ``path`` like :func:`load_yaml` and keep the document for the next ``load_yaml``.

    A caller that only looks at a file (is it a scenario set?) before the loader reads it makes the
    file parsed once: the next :func:`load_yaml` of the same path and display name gets this very
    document (handed over once, only while the file's bytes are unchanged). The caller must not
    modify the document.
    """
    name = display_name or str(path)
    raw = _read_bytes(Path(path), name)
    key = (str(Path(path)), name)
    hit = _PEEKED.get(key)
    if hit is not None and hit[0] == raw:
        return hit[1]
    doc = parse_yaml(_decode(raw, name), name)
    _PEEKED.pop(key, None)
    while len(_PEEKED) >= _PEEK_KEEP:
        del _PEEKED[next(iter(_PEEKED))]
    _PEEKED[key] = (raw, doc)
    return doc


def load_yaml(path: str | Path, *, display_name: str | None = None) -> LocatedDoc:
    """Read and parse ``path``. ``display_name`` is the file name used in messages."""
    name = display_name or str(path)
    raw = _read_bytes(Path(path), name)
    hit = _PEEKED.pop((str(Path(path)), name), None)
    if hit is not None and hit[0] == raw:  # parsed by peek_yaml: the same bytes give the same document
        return hit[1]
    return parse_yaml(_decode(raw, name), name)


def _read_bytes(p: Path, name: str) -> bytes:
    """Return the bytes of ``p`` (at most :data:`MAX_FILE_BYTES`); problems are located ScenarioErrors."""
    try:
        with p.open("rb") as fh:  # never read more than the limit (/dev/zero, a huge file)
            raw = fh.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise ScenarioError(f"the file is too large (over {MAX_FILE_BYTES // (1024 * 1024)} MB; "
                                "input files are limited to that size)", file=name)
    except FileNotFoundError:
        raise ScenarioError("file not found", file=name) from None
    except OSError as exc:
        raise ScenarioError(f"cannot read the file: {exc.strerror}", file=name) from None
    return raw


def _decode(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", file=name) from None


# ---------------------------------------------------------------- pydantic errors -> located


def _clean_loc(loc: Sequence[str | int], data: Any) -> PathKey:
    """Drop pydantic's synthetic loc parts (union tags, validator names) by walking the data.

    A part that is not in the data is a discriminator tag or validator name when more parts
    follow it; as the last part it is a field name (missing, or unknown).
    """
    out: list[str | int] = []
    cur = data
    parts = list(loc)
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(cur, dict) and part in cur:
            out.append(part)
            cur = cur[part]
        elif isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur):
            out.append(part)
            cur = cur[part]
        elif last and isinstance(part, str) and isinstance(cur, dict) and not part.startswith(_PYDANTIC_TAGS):
            # a trailing name under a mapping is a missing/unknown field; under a scalar it is
            # a union tag (e.g. the ``number`` branch of a number-or-distribution parameter)
            out.append(part)
    return tuple(out)


_PYDANTIC_TAGS = ("function-", "lax-or-strict", "json-or-python", "tagged-union", "union[", "chain[")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _num(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _message(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    given = err.get("input")
    got = f" (got {_short(given)})" if not isinstance(given, (dict, list)) else ""
    if kind == "missing":
        return "is required but missing"
    if kind == "extra_forbidden":
        return "unknown field (check the spelling; unknown keys are rejected)"
    if kind == "greater_than":
        return f"must be > {_num(ctx.get('gt'))}{got}"
    if kind == "greater_than_equal":
        return f"must be >= {_num(ctx.get('ge'))}{got}"
    if kind == "less_than":
        return f"must be < {_num(ctx.get('lt'))}{got}"
    if kind == "less_than_equal":
        return f"must be <= {_num(ctx.get('le'))}{got}"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}{got}"
    if kind == "union_tag_invalid":
        disc = str(ctx.get("discriminator", "type")).strip("'")
        return f"unknown {disc} {ctx.get('tag')!r} (expected one of {ctx.get('expected_tags')})"
    if kind == "union_tag_not_found":
        return f"needs a {str(ctx.get('discriminator', 'type')).strip(chr(39))} key"
    if kind in {"date_parsing", "date_from_datetime_parsing", "date_type"}:
        return f"must be a date YYYY-MM-DD{got}"
    if kind in {"float_parsing", "float_type", "int_parsing", "int_type"}:
        if type(given).__name__ == "BoolNotNumber":  # scenarios.model.nobool
            return f"must be a number, not a boolean (got {given})"
        return f"must be a number{got}"
    if kind == "value_error":
        msg = str(ctx.get("error", err.get("msg", "")))
        return f"{msg}{got}" if "(got" not in msg else msg
    msg = str(err.get("msg", "invalid value"))
    msg = msg[0].lower() + msg[1:] if msg else msg
    return f"{msg}{got}"


def validation_errors(exc: Any, doc: LocatedDoc, prefix: PathKey = ()) -> ScenarioErrors:
    """Convert a :class:`pydantic.ValidationError` into located :class:`ScenarioErrors`.

    The error was raised on ``doc.data`` (or on the sub-tree at ``prefix``); each becomes a located
    error with file, line, column and field path.
    """
    errors: list[ScenarioError] = []
    seen: set[tuple[Any, ...]] = set()
    root = doc.data
    for p in prefix:
        root = root[p]
    for err in exc.errors(include_url=False):
        loc = prefix + _clean_loc(err.get("loc", ()), root)
        message = _message(err)
        key = err.get("type") == "extra_forbidden"
        item = doc.error(loc, message, key=key)
        ident = (item.line, item.column, item.field, item.message)
        if ident not in seen:
            seen.add(ident)
            errors.append(item)
    errors.sort(key=lambda e: (e.line or 0, e.column or 0))
    return ScenarioErrors(errors)
