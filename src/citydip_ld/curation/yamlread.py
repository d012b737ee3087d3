"""YAML with line numbers, fast: libyaml (PyYAML's C parser) reads the text into parse events,
which we turn into plain dicts and lists (`LineMap`, `LineSeq`) that carry the 0-based line of
every mapping and sequence (`.line`) and of every key (`.key_line(k)`), at a fraction of the
cost of a pure-Python round-trip loader on large fact files.

A fact file is plain YAML: mappings, sequences and untagged scalars in one document. Those are
built straight from libyaml's events (`_from_events`), without PyYAML's node tree, whose
composer calls back into Python three times per node (at world scale S, 3.2 s of 3.6 s).
Anything else (an anchor or alias, a tag, a second document, a repeated key, a syntax error)
is composed into PyYAML's node tree and converted from there (`_from_nodes`), so what such a
file gives, or the error and line it reports, is what it always was.

Scalars follow YAML 1.2's core schema, not PyYAML's 1.1: only `true`/`false` are booleans
(`yes`, `no`, `on`, `off` stay text), and dates stay text.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_INT = re.compile(r"^[-+]?[0-9]+$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
#: Numbers YAML 1.1 reads as `_core` does (decimal, no leading zero or `_`, no exponent):
#: PyYAML's resolver need not be asked about them.
_YAML_1_1_SAME = re.compile(r"[-+]?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?\Z")
_NULL = {"", "~", "null", "Null", "NULL"}
_PLAIN = "tag:yaml.org,2002:"


class LineMap(dict[Any, Any]):
    """A mapping that knows the line it starts on and the line of each key (0-based)."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[Any, int] = {}

    def key_line(self, key: Any) -> int:
        return self.key_lines[key]


class LineSeq(list[Any]):
    """A sequence that knows the line it starts on (0-based)."""

    def __init__(self, items: list[Any], line: int) -> None:
        super().__init__(items)
        self.line = line


class DuplicateKeyError(ValueError):
    """A mapping repeats a key (YAML forbids it; a silent overwrite would lose a fact)."""

    def __init__(self, key: str, line: int, first: int) -> None:
        super().__init__(f"duplicate key `{key}:` (first at line {first})")
        self.line = line


class CollectionAliasError(ValueError):
    """An alias (`*name`) of a list or mapping: it could nest itself (a cycle) or expand
    exponentially ("billion laughs"); aliases of plain values are fine."""

    def __init__(self, line: int) -> None:
        super().__init__(
            "an alias (`*name`) may repeat a text or number but not a list or mapping; "
            "write the list or mapping out again"
        )
        self.line = line


def load(text: str) -> Any:
    """Parse one YAML document; raises `yaml.MarkedYAMLError` (with a line) on bad syntax,
    `DuplicateKeyError` and `CollectionAliasError` on what YAML allows but facts must not."""
    try:
        return _from_events(text)
    except (_UnusualError, yaml.YAMLError):
        return _from_nodes(text)


def _from_nodes(text: str) -> Any:
    """The document through PyYAML's node tree: every YAML feature, every error."""
    node = yaml.compose(text, Loader=_LOADER)
    return None if node is None else _convert(node, set())


class _UnusualError(Exception):
    """What `_from_events` leaves to `_from_nodes`."""


_RESOLVER = yaml.resolver.Resolver()
_STR = f"{_PLAIN}str"


def _from_events(text: str) -> Any:
    """The document built from libyaml's events: plain mappings, sequences and untagged
    scalars, each key once; `_UnusualError` for anything else."""
    loader = _LOADER(text)
    try:
        get = loader.get_event
        get()  # the stream's start
        if type(get()) is yaml.StreamEndEvent:
            return None
        document = _document(get)
        if type(get()) is not yaml.StreamEndEvent:
            raise _UnusualError("a second document")
        return document
    finally:
        loader.dispose()


def _document(get: Any) -> Any:
    """The events of one document's content, up to its end, as `_convert` gives its nodes.
    The open collection, the key waiting for its value and that key's line are locals; the
    enclosing ones wait on a stack (one list operation per collection, none per scalar)."""
    stack: list[tuple[Any, Any, int]] = []
    container: Any = None  # the open collection; None at the top of the document
    key: Any = _NO_KEY
    key_line = 0
    result: Any = None
    while True:
        event = get()
        kind = type(event)
        if kind is _SCALAR:
            if event.anchor is not None or event.tag is not None:
                raise _UnusualError("an anchor or tag")
            value: Any = event.value
            # a plain scalar is text unless it may be a null, boolean or number
            if not event.style and (not value or value[0] in _NOT_ONLY_TEXT):
                value = _plain(value, event.implicit)
        elif kind is _MAPPING_START or kind is _SEQUENCE_START:
            if event.anchor is not None or event.tag is not None:
                raise _UnusualError("an anchor or tag")
            line = event.start_mark.line
            stack.append((container, key, key_line))
            container = LineMap(line) if kind is _MAPPING_START else LineSeq([], line)
            key = _NO_KEY
            continue
        elif kind is _MAPPING_END or kind is _SEQUENCE_END:
            value = container
            container, key, key_line = stack.pop()
        elif kind is yaml.DocumentEndEvent:
            return result
        else:
            raise _UnusualError(kind.__name__)  # an alias
        if container is None:
            result = value
        elif type(container) is LineSeq:
            container.append(value)
        elif key is _NO_KEY:
            key = value if isinstance(value, str | int) else str(value)
            if key in container:
                raise _UnusualError("a repeated key")
            key_line = event.start_mark.line if kind is _SCALAR else value.line
        else:
            container[key] = value
            container.key_lines[key] = key_line
            key = _NO_KEY


_NO_KEY = object()
_SCALAR = yaml.ScalarEvent
_MAPPING_START, _MAPPING_END = yaml.MappingStartEvent, yaml.MappingEndEvent
_SEQUENCE_START, _SEQUENCE_END = yaml.SequenceStartEvent, yaml.SequenceEndEvent
#: The first characters of every plain scalar `_core` reads as other than text (a null, a
#: boolean, a number): a plain scalar starting with anything else is text as it is.
_NOT_ONLY_TEXT = frozenset("~nNtTfF+-.0123456789")


def _plain(value: str, implicit: tuple[bool, bool]) -> Any:
    """An untagged plain scalar as `_scalar` reads its node: by YAML 1.2's core schema, unless
    PyYAML's own resolver (YAML 1.1) took it for text (`09`, `1e5`), which it then stays."""
    read = _core(value)
    if read is value:
        return value
    if _YAML_1_1_SAME.match(value):  # a whole or decimal number both schemas read alike
        return read
    tag = _RESOLVER.resolve(yaml.ScalarNode, value, implicit)  # type: ignore[no-untyped-call]
    return value if tag == _STR else read


def _convert(node: yaml.Node, seen: set[int]) -> Any:
    if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
        if id(node) in seen:  # the same composed node again: an alias of a collection
            raise CollectionAliasError(node.start_mark.line + 1)
        seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        mapping = LineMap(node.start_mark.line)
        for key_node, value_node in node.value:
            key = _convert(key_node, seen)
            key = key if isinstance(key, str | int) else str(key)
            if key in mapping:
                first = mapping.key_lines[key] + 1
                raise DuplicateKeyError(str(key), key_node.start_mark.line + 1, first)
            mapping[key] = _convert(value_node, seen)
            mapping.key_lines[key] = key_node.start_mark.line
        return mapping
    if isinstance(node, yaml.SequenceNode):
        return LineSeq([_convert(item, seen) for item in node.value], node.start_mark.line)
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    value = str(node.value)
    if not getattr(node, "style", None) and node.tag != _STR:
        return _core(value)  # a plain (unquoted) scalar
    return value


def _core(value: str) -> Any:
    """A plain scalar by YAML 1.2's core schema; `value` itself when it is text."""
    if value in _NULL:
        return None
    if value in ("true", "True", "TRUE"):
        return True
    if value in ("false", "False", "FALSE"):
        return False
    if _INT.match(value):
        return int(value)
    if _FLOAT.match(value):
        return float(value)
    return value
