"""YAML with line numbers, fast: libyaml (PyYAML's C parser) composes the node tree, which we
turn into ruamel.yaml's CommentedMap/CommentedSeq carrying the line and column of every
mapping, sequence and key (`node.lc.line`, `node.lc.key(k)`), as ruamel's own loader would,
at a fraction of its cost on large fact files.

Scalars follow YAML 1.2's core schema, not PyYAML's 1.1: only `true`/`false` are booleans
(`yes`, `no`, `on`, `off` stay text), and dates stay text.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from ruamel.yaml.comments import CommentedMap, CommentedSeq

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_INT = re.compile(r"^[-+]?[0-9]+$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_NULL = {"", "~", "null", "Null", "NULL"}
_PLAIN = "tag:yaml.org,2002:"


class DuplicateKeyError(ValueError):
    """A mapping repeats a key (YAML forbids it; a silent overwrite would lose a fact)."""

    def __init__(self, key: str, line: int, first: int) -> None:
        super().__init__(f"duplicate key `{key}:` (first at line {first})")
        self.line = line


def load(text: str) -> Any:
    """Parse one YAML document; raises `yaml.MarkedYAMLError` (with a line) on bad syntax."""
    node = yaml.compose(text, Loader=_LOADER)
    return None if node is None else _convert(node)


def _convert(node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        mapping = CommentedMap()
        mapping._yaml_set_line_col(node.start_mark.line, node.start_mark.column)
        lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = _convert(key_node)
            key = key if isinstance(key, str | int) else str(key)
            if key in mapping:
                raise DuplicateKeyError(str(key), key_node.start_mark.line + 1, lines[str(key)])
            lines[str(key)] = key_node.start_mark.line + 1
            mapping[key] = _convert(value_node)
            mapping._yaml_set_kv_line_col(
                key,
                [
                    key_node.start_mark.line,
                    key_node.start_mark.column,
                    value_node.start_mark.line,
                    value_node.start_mark.column,
                ],
            )
        return mapping
    if isinstance(node, yaml.SequenceNode):
        sequence = CommentedSeq(_convert(item) for item in node.value)
        sequence._yaml_set_line_col(node.start_mark.line, node.start_mark.column)
        for index, item in enumerate(node.value):
            sequence._yaml_set_idx_line_col(index, [item.start_mark.line, item.start_mark.column])
        return sequence
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
