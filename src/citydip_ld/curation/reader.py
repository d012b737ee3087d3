"""Reading one YAML fact file: a mapping checked against the keys a record allows, every
value checked and converted, every problem a `FactError` at the file and line to fix.

The kinds of fact (`citydip_ld.curation.kinds`) read their records with `FieldReader`.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import yaml

from citydip_ld.curation import yamlread
from citydip_ld.curation.dates import DateValueError, parse_calendar_date
from citydip_ld.curation.records import DateFact, Labels, Location
from citydip_ld.curation.yamlread import LineMap, LineSeq
from citydip_ld.errors import FactError

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
WIKIDATA_ID = re.compile(r"^Q[1-9][0-9]*$")
#: `bound:` of a date: the text supports only a latest day, not the day itself.
DATE_BOUNDS = ("on-or-before",)


class FieldReader:
    """Checks one YAML mapping against the keys a record allows, with file:line in errors."""

    def __init__(self, node: Any, file: str, what: str, parent_line: int) -> None:
        self.file = file
        self.what = what
        if not isinstance(node, LineMap):
            raise FactError(
                f"{what} must be a mapping of keys to values, got {kind_of(node)}",
                file=file,
                line=line_of(node, parent_line),
            )
        self.node = node
        self.line = node.line + 1

    def loc(self, key: str | None = None) -> Location:
        if key is not None and key in self.node:
            return Location(self.file, self.node.key_line(key) + 1)
        return Location(self.file, self.line)

    def key_lines(self) -> dict[str, Location]:
        """`{str(key): self.loc(str(key))}` for every key of the mapping."""
        file, lines = self.file, self.node.key_lines
        return {
            k: Location(file, lines[k] + 1) if type(k) is str else self.loc(str(k))
            for k in self.node
        }

    def error(self, message: str, key: str | None = None) -> FactError:
        location = self.loc(key)
        return FactError(message, file=location.file, line=location.line)

    def allow(self, required: tuple[str, ...], optional: tuple[str, ...]) -> None:
        allowed = set(required) | set(optional)
        for key in self.node:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
                hint = f"did you mean `{close[0]}:`? " if close else ""
                known = ", ".join(sorted(allowed))
                raise self.error(
                    f"{self.what} has an unknown key `{key}:`; {hint}allowed: {known}", str(key)
                )
        for key in required:
            if key not in self.node or self.node[key] in (None, ""):
                needed = ", ".join(required)
                raise self.error(f"{self.what} lacks `{key}:` (required keys: {needed})")

    def text(self, key: str) -> str:
        value = self.node[key]
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise self.error(f"`{key}:` must be text, got {kind_of(value)}", key)
        text = str(value).strip()
        if not text:
            raise self.error(f"`{key}:` is empty", key)
        return text

    def optional_text(self, key: str) -> str | None:
        return self.text(key) if self.node.get(key) not in (None, "") else None

    def slug(self, key: str) -> str:
        value = self.text(key)
        if not SLUG.match(value):
            raise self.error(
                f"`{key}: {value}` is not a valid id; use lowercase ASCII letters, digits and '-'",
                key,
            )
        return value

    def web_address(self, key: str) -> str | None:
        """An optional http(s) URL (nothing else may become a link on a page) that is an IRI
        as RDF reads it (RFC 3987, checked by Oxigraph: the dumps' parser and the SHACL
        engine's would refuse it later, far from this line)."""
        value = self.optional_text(key)
        if value is not None and not re.match(r"^https?://[^\s<>\"]+$", value):
            raise self.error(f"`{key}: {value}` is not an http(s) web address", key)
        if value is not None:
            try:
                ox.NamedNode(value)
            except ValueError as exc:
                raise self.error(
                    f"`{key}: {value}` is not a valid web address: {exc}", key
                ) from None
        return value

    def optional_slug(self, key: str) -> str | None:
        return self.slug(key) if self.node.get(key) not in (None, "") else None

    def labels(self, key: str) -> Labels:
        sub = FieldReader(self.node[key], self.file, f"`{key}:` of {self.what}", self.loc(key).line)
        sub.allow(("en", "fa"), ())
        return Labels(en=sub.text("en"), fa=sub.text("fa"))

    def optional_labels(self, key: str) -> Labels | None:
        return self.labels(key) if self.node.get(key) is not None else None

    def wikidata(self) -> str | None:
        value = self.optional_text("wikidata")
        if value is not None and not WIKIDATA_ID.match(value):
            raise self.error(
                f"`wikidata: {value}` is not a Wikidata item id such as Q80053", "wikidata"
            )
        return value

    def slug_list(self, key: str) -> tuple[str, ...]:
        value = self.node.get(key)
        if value is None:
            return ()
        if not isinstance(value, LineSeq):
            raise self.error(f"`{key}:` must be a list of ids", key)
        for item in value:
            if not isinstance(item, str) or not SLUG.match(item):
                raise self.error(f"`{key}:` holds {item!r}, which is not a valid id", key)
        return tuple(value)

    def date(self, key: str) -> DateFact | None:
        if self.node.get(key) is None:
            return None
        where = f"`{key}:` of {self.what}"
        sub = FieldReader(self.node[key], self.file, where, self.loc(key).line)
        calendars = [c for c in ("jalali", "gregorian") if c in sub.node]
        if len(calendars) != 1:
            raise sub.error(f"{where} needs exactly one of `jalali:` or `gregorian:`")
        calendar = calendars[0]
        sub.allow((calendar,), ("printed", "bound"))
        try:
            parsed = parse_calendar_date(sub.text(calendar), calendar)
        except DateValueError as exc:
            raise sub.error(f"impossible {calendar} date {exc}", calendar) from None
        bound = sub.choice("bound", DATE_BOUNDS) if sub.node.get("bound") is not None else None
        return DateFact(parsed, sub.optional_text("printed"), sub.loc(), bound)

    def integer(self, key: str) -> int:
        value = self.node[key]
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(f"`{key}:` must be a whole number, got {kind_of(value)}", key)
        return int(value)

    def choice(self, key: str, allowed: tuple[str, ...], default: str | None = None) -> str:
        if self.node.get(key) is None and default is not None:
            return default
        value = self.text(key)
        if value not in allowed:
            raise self.error(f"`{key}: {value}` is not one of: {', '.join(allowed)}", key)
        return value

    def seq(self, key: str) -> list[Any]:
        value = self.node.get(key)
        if value is None:
            return []
        if not isinstance(value, LineSeq):
            raise self.error(f"`{key}:` must be a list of records", key)
        return list(value)


def kind_of(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, LineMap):
        return "a mapping"
    if isinstance(value, LineSeq):
        return "a list"
    return f"{type(value).__name__} {value!r}"


def line_of(node: Any, fallback: int) -> int:
    line = getattr(node, "line", None)
    return int(line) + 1 if isinstance(line, int) else fallback


def load_yaml(path: Path, shown: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise FactError(f"not valid UTF-8 ({exc.reason} at byte {exc.start})", file=shown) from None
    except OSError as exc:
        raise FactError(f"cannot read: {exc.strerror}", file=shown) from None
    try:
        return yamlread.load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "malformed YAML"
        raise FactError(
            f"malformed YAML: {problem}; check indentation and quote text containing ': '",
            file=shown,
            line=line,
        ) from None
    except (yamlread.DuplicateKeyError, yamlread.CollectionAliasError) as exc:
        raise FactError(f"malformed YAML: {exc}", file=shown, line=exc.line) from None
    except yaml.reader.ReaderError as exc:  # e.g. a NUL or other control character
        line = text.count("\n", 0, max(0, exc.position)) + 1
        code = (
            exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or " ")
        )
        raise FactError(
            f"not allowed in YAML: character U+{code:04X} ({exc.reason}); remove it",
            file=shown,
            line=line,
        ) from None
    except yaml.YAMLError as exc:
        raise FactError(f"malformed YAML: {exc}", file=shown) from None


def read_sections(
    path: Path, shown: str, allowed: tuple[str, ...], required: tuple[str, ...] = ()
) -> FieldReader:
    document = load_yaml(path, shown)
    if document is None:
        document = LineMap(0)
    top = FieldReader(document, shown, "the file", 1)
    top.allow(required, allowed)
    return top


class Display:
    """Shows paths relative to the data folder's parent (e.g. `data/places.yaml`)."""

    def __init__(self, root: Path) -> None:
        self.anchor = root.resolve().parent

    def __call__(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.anchor).as_posix()
        except ValueError:
            return path.as_posix()
