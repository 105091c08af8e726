"""Safe YAML reading that keeps the line and column of every value.

First step of the spec stage: the text of one file (``textfile.py`` reads and checks
the bytes) -> plain Python documents plus a position map, or located problems.
``loader.py`` validates the documents and uses the map to put ``path:line:col`` on
every message.

libyaml (``CSafeLoader``) composes the node graph in C; we construct the values
ourselves so that we can refuse what safe loading alone does not: duplicate keys,
any tag outside plain YAML, merge keys, alias bombs, deep nesting (big or binary
files never get this far). Scalars follow YAML 1.2 where YAML 1.1 surprises people:
only true/false are booleans (``yes`` stays a string and is reported as such) and a
decimal with a leading zero is not read as octal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

from controller.errors import SpecProblem
from controller.ids import is_digits
from controller.safetext import CONTROL_BUT_LAYOUT
from controller.spec.textfile import read_text

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_DEPTH = 32
# Aliases may repeat small blocks (a shared cancellation reason); aliases that add
# more than this many times the document's own size plus slack, or more than the
# absolute cap (which bounds the time to validate a big file), make it a bomb.
_ALIAS_RATIO = 10
_ALIAS_SLACK = 10_000
_ALIAS_CAP = 1_000_000

Loc = tuple[str | int, ...]
Pos = tuple[int, int]

_T = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL, _TIME = (
    _T + "str",
    _T + "int",
    _T + "float",
    _T + "bool",
    _T + "null",
    _T + "timestamp",
)
_SEQ, _MAP, _MERGE = _T + "seq", _T + "map", _T + "merge"
_SCALAR_TAGS = frozenset({_STR, _INT, _FLOAT, _BOOL, _NULL, _TIME})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
# C0 controls but tab and newline, DEL, C1 controls, and the bidi overrides/isolates
# that make text display differently from what it is ("trojan source").
_CONTROL = CONTROL_BUT_LAYOUT

# Only its stateless scalar helpers are used (int, float, timestamp forms).
_SCALARS = SafeConstructor()
_RESOLVED_CACHE_MAX = 4096
# Shared by every loader: a plain word always resolves to the same tag.
_RESOLVED: dict[str, str] = {}


class _FastLoader(_Loader):
    """The safe loader with tag resolution cached.

    libyaml calls back into Python's regex-based resolver for every scalar; spec files
    repeat the same few words (keys, states, true) thousands of times, so caching
    the answer per plain word saves about a quarter of the time to read many files.
    """

    def resolve(self, kind: type[Node], value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            if not implicit[0]:
                return _STR
            tag = _RESOLVED.get(value)
            if tag is None:
                tag = Resolver.resolve(self, kind, value, implicit)  # type: ignore[no-untyped-call]
                if len(_RESOLVED) < _RESOLVED_CACHE_MAX:
                    _RESOLVED[value] = tag
            return tag
        return _MAP if kind is MappingNode else _SEQ


@dataclass
class Positions:
    """Where each value (and each mapping key) of one document starts, 1-based."""

    values: dict[Loc, Pos] = field(default_factory=dict)
    keys: dict[Loc, Pos] = field(default_factory=dict)

    def value(self, loc: Loc) -> Pos:
        """Position of the value at ``loc``, else of its key, else of the nearest parent.

        Values reached through an alias have no entry of their own; they fall back
        to the alias's key, which is where the reader sees them.
        """
        for end in range(len(loc), -1, -1):
            part = loc[:end]
            pos = self.values.get(part) or self.keys.get(part)
            if pos is not None:
                return pos
        return (1, 1)

    def key(self, loc: Loc) -> Pos:
        """Position of the key of ``loc`` (for unknown or misplaced fields)."""
        return self.keys.get(loc) or self.value(loc)


@dataclass(frozen=True)
class Document:
    """One YAML document of a spec file, as plain values, with positions."""

    path: str
    number: int
    data: dict[str, Any]
    positions: Positions

    def problem(self, loc: Loc, message: str, *, at_key: bool = False) -> SpecProblem:
        line, col = self.positions.key(loc) if at_key else self.positions.value(loc)
        return SpecProblem(self.path, line, col, message)


class _Fatal(Exception):
    """A document that cannot be read further; carries its located problem."""

    def __init__(self, node: Node, message: str) -> None:
        super().__init__(message)
        self.pos: Pos = _pos(node)
        self.message = message


def _pos(node: Node) -> Pos:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def _refused_tag(node: Node, tag: str) -> _Fatal:
    short = "!!" + tag[len(_T) :] if tag.startswith(_T) else tag
    return _Fatal(node, f"tag {short} is not allowed: plain YAML only (safe loading)")


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{value!r}"


class _Builder:
    """Turns one composed document into plain values; one instance per document."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.positions = Positions()
        self.problems: list[SpecProblem] = []
        # id(node) -> (value, expanded size): an alias is the same node object twice.
        self._memo: dict[int, tuple[Any, int]] = {}
        self._open: set[int] = set()
        self.unique = 0

    def build(self, node: Node, loc: Loc, depth: int) -> tuple[Any, int]:
        if depth > MAX_DEPTH:
            raise _Fatal(node, f"nesting deeper than {MAX_DEPTH} levels; refused")
        if isinstance(node, ScalarNode):
            self.positions.values[loc] = _pos(node)
            self.unique += 1
            return self._scalar(node), 1
        key = id(node)
        seen = self._memo.get(key)
        if seen is not None:
            return seen  # an alias: its key's position stands for it
        self.positions.values[loc] = _pos(node)
        if key in self._open:
            raise _Fatal(node, "an alias refers to a node that contains it; refused")
        self._open.add(key)
        self.unique += 1
        if isinstance(node, MappingNode):
            result = self._mapping(node, loc, depth)
        elif isinstance(node, SequenceNode):
            result = self._sequence(node, loc, depth)
        else:  # pragma: no cover - composer yields only the three node kinds
            raise _Fatal(node, f"unexpected YAML node {type(node).__name__}")
        self._open.discard(key)
        self._memo[key] = result
        return result

    def _mapping(self, node: MappingNode, loc: Loc, depth: int) -> tuple[Any, int]:
        if node.tag != _MAP:
            raise _refused_tag(node, node.tag)
        out: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        size = 1
        # Hot loop of the spec stage (one pass per key of every file): the common case
        # of a plain scalar value is handled inline rather than through build().
        keys, values = self.positions.keys, self.positions.values
        for key_node, value_node in node.value:
            if type(key_node) is not ScalarNode:
                self._problem(key_node, "a mapping key must be a plain word, not a list or mapping")
                continue
            tag = key_node.tag
            if tag != _STR and tag not in _SCALAR_TAGS:
                if tag == _MERGE:
                    raise _Fatal(
                        key_node, "merge keys (<<) are not supported; use defaults instead"
                    )
                raise _refused_tag(key_node, tag)
            name = key_node.value
            if _CONTROL.search(name) is not None:
                # Never echo it: the key would be shown in "unknown field" messages.
                self._problem(key_node, "control character in a mapping key; refused")
                continue
            mark = key_node.start_mark
            if name in first_line:
                message = f"duplicate key '{name}' (first at line {first_line[name]})"
                self._problem(key_node, message)
                continue
            first_line[name] = mark.line + 1
            child = (*loc, name)
            keys[child] = (mark.line + 1, mark.column + 1)
            if type(value_node) is ScalarNode:
                value_tag = value_node.tag
                if value_tag == _STR and _CONTROL.search(value_node.value) is None:
                    out[name] = value_node.value
                else:
                    out[name] = self._scalar(value_node)
                if value_tag != _NULL or value_node.value:  # "key:" alone: point at the key
                    mark = value_node.start_mark
                    values[child] = (mark.line + 1, mark.column + 1)
                self.unique += 1
                size += 1
            else:
                out[name], child_size = self.build(value_node, child, depth + 1)
                size += child_size
        return out, size

    def _sequence(self, node: SequenceNode, loc: Loc, depth: int) -> tuple[Any, int]:
        if node.tag != _SEQ:
            raise _refused_tag(node, node.tag)
        out: list[Any] = []
        size = 1
        for index, item in enumerate(node.value):
            value, child_size = self.build(item, (*loc, index), depth + 1)
            out.append(value)
            size += child_size
        return out, size

    def _scalar(self, node: ScalarNode) -> Any:
        tag, text = node.tag, node.value
        bad = _CONTROL.search(text)
        if bad is not None:
            # YAML's double-quoted escapes (\e, \0, \x9b) let any of these in; they would
            # reach terminals (plan output) and the marketplace's order attributes.
            self._problem(
                node,
                f"control character U+{ord(bad.group()):04X} in a value; "
                "terminal escapes, NUL and bidi controls are not allowed",
            )
        if tag == _STR:
            return text
        if tag == _NULL:
            return None
        if tag == _BOOL:
            # YAML 1.1 also reads yes/no/on/off as booleans; keep them as text so that
            # validation says "expected true or false, got 'yes'" instead of guessing.
            return True if text in _TRUE else False if text in _FALSE else text
        if tag == _INT:
            if is_digits(text):
                # YAML 1.1 reads 0123 as octal; an id with a leading zero stays text.
                return text if len(text) > 1 and text[0] == "0" else int(text)
            # -5, 0x10, 0b101, 0o17, 1_000_177, +1000177, 1:30 (sexagesimal): YAML 1.1 reads
            # them as numbers, so a reviewer would read one id while subctl acts on
            # another. Kept as the text written; validation reports it where it is.
            return text
        if tag == _FLOAT:
            return _SCALARS.construct_yaml_float(node)
        if tag == _TIME:
            try:
                return _SCALARS.construct_yaml_timestamp(node)
            except (ValueError, ConstructorError):
                return text  # 2027-02-30 and the like: reported by validation as a bad date
        raise _refused_tag(node, tag)

    def _problem(self, node: Node, message: str) -> None:
        line, col = _pos(node)
        self.problems.append(SpecProblem(self.path, line, col, message))


def _yaml_problem(display: str, text: str, err: yaml.YAMLError) -> SpecProblem:
    if isinstance(err, yaml.MarkedYAMLError) and err.problem_mark is not None:
        mark = err.problem_mark
        message = err.problem or "invalid YAML"
        if err.context and err.context_mark is not None:
            message += f" ({err.context} started at line {err.context_mark.line + 1})"
        return SpecProblem(display, mark.line + 1, mark.column + 1, message)
    if isinstance(err, yaml.reader.ReaderError):
        before = text[: err.position]
        line = before.count("\n") + 1
        col = err.position - (before.rfind("\n") + 1) + 1
        char = err.character
        code = char if isinstance(char, int) else ord(char[:1] or "\0")
        return SpecProblem(display, line, col, f"character U+{code:04X} is not allowed in YAML")
    return SpecProblem(display, 1, 1, f"invalid YAML: {err}")


def read_documents(file: Path, display: str) -> tuple[list[Document], list[SpecProblem]]:
    """Read every document of one spec file; problems are located, never raised."""
    text, problem = read_text(file, display)
    if text is None:
        return [], [problem] if problem else []
    documents: list[Document] = []
    problems: list[SpecProblem] = []
    loader = _FastLoader(text)
    try:
        number = 0
        while True:
            try:
                if not loader.check_node():
                    break
                node = loader.get_node()
                if node is None:
                    break
            except yaml.YAMLError as err:
                problems.append(_yaml_problem(display, text, err))
                break
            except RecursionError:  # only the pure-Python fallback recurses this deep
                problems.append(SpecProblem(display, 1, 1, "nesting too deep; refused"))
                break
            number += 1
            doc, found = _document(node, display, number)
            problems.extend(found)
            if doc is not None:
                documents.append(doc)
    finally:
        loader.dispose()
    if number == 0 and not problems:
        problems.append(SpecProblem(display, 1, 1, "empty file: no YAML document in it"))
    return documents, problems


def _document(node: Node, display: str, number: int) -> tuple[Document | None, list[SpecProblem]]:
    line, col = _pos(node)
    if isinstance(node, ScalarNode) and node.tag == _NULL and node.value in ("", "~", "null"):
        return None, [SpecProblem(display, line, col, f"document {number} is empty")]
    builder = _Builder(display)
    try:
        data, size = builder.build(node, (), 0)
    except _Fatal as fatal:
        return None, [*builder.problems, SpecProblem(display, *fatal.pos, fatal.message)]
    added = size - builder.unique
    if added > min(_ALIAS_RATIO * builder.unique + _ALIAS_SLACK, _ALIAS_CAP):
        message = f"YAML aliases expand to {size:,} values (an alias bomb?); refused"
        return None, [SpecProblem(display, line, col, message)]
    if not isinstance(data, dict):
        message = (
            "a spec document must be a mapping (apiVersion, kind, metadata, subscriptions), "
            f"got {_kind(data)}"
        )
        return None, [*builder.problems, SpecProblem(display, line, col, message)]
    return Document(display, number, data, builder.positions), builder.problems


__all__ = ["MAX_DEPTH", "Document", "Loc", "Positions", "read_documents"]
