"""YAML with line numbers, fast: libyaml (PyYAML's C parser) composes the node tree, which we
turn into plain dicts and lists (`LineMap`, `LineSeq`) that carry the 0-based line of every
mapping and sequence (`.line`) and of every key (`.key_line(k)`), at a fraction of the cost
of a pure-Python round-trip loader on large fact files.

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
    node = yaml.compose(text, Loader=_LOADER)
    return None if node is None else _convert(node, set())


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
    if not getattr(node, "style", None) and node.tag != f"{_PLAIN}str":
        # A plain (unquoted) scalar: resolve it by YAML 1.2's core schema.
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
