"""Turtle and TriG written from the N-Triples texts of sorted statements: the bytes Oxigraph's
writers give for the same statements and prefixes. Pure.

A served document is a sorted list of statements whose N-Triples texts are known already (the
sort key). Handing them back to Oxigraph's writer means one pyoxigraph object a statement and a
writer set up with every prefix on each call (about 50 µs of the 60 µs it takes for a city's
document at world S); writing the Turtle from the texts is one pass over strings, with the
prefixed names of recurring IRIs kept.

What is written, as Oxigraph 0.5 writes it (`tests/test_turtle_text.py` compares the two on
every kind of term):

- the `@prefix` lines, in the order Oxigraph writes them (read once from its own header);
- an IRI as `prefix:local` with the first prefix in that order (the longest namespace)
  whose local part can be written as a Turtle local name (`\\` before the characters Turtle
  lets a local name escape), `prefix:` for the namespace itself, else `<iri>`; `rdf:type` as
  `a` in the predicate position;
- literals as in N-Triples, except `xsd:boolean`, `xsd:integer`, `xsd:decimal` and
  `xsd:double` literals whose lexical form is a Turtle number or boolean (written bare) and a
  datatype other than `xsd:string` written as a prefixed name;
- statements of one subject joined by ` ;` (a tab before the next predicate), objects of one
  predicate by ` , `; in TriG a named graph's statements inside `graph {`…`}`, each line one
  tab further in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import pyoxigraph as ox

_RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
_XSD = "http://www.w3.org/2001/XMLSchema#"
#: Bare forms of typed literals (Turtle's BOOLEAN, INTEGER, DECIMAL, DOUBLE productions).
_BARE = {
    f"<{_XSD}boolean>": re.compile(r"true|false"),
    f"<{_XSD}integer>": re.compile(r"[+-]?[0-9]+"),
    f"<{_XSD}decimal>": re.compile(r"[+-]?[0-9]*\.[0-9]+"),
    f"<{_XSD}double>": re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)[eE][+-]?[0-9]+"),
}
#: A local name written as it is (ASCII only; anything else goes through `_escape_local`).
_PLAIN_LOCAL = re.compile(r"[A-Za-z0-9_:](?:[A-Za-z0-9_:.-]*[A-Za-z0-9_:-])?")
#: Characters a local name may carry after a backslash (Turtle's PN_LOCAL_ESC).
_ESCAPABLE = frozenset("_~.-!$&'()*+,;=/?#@%")
#: Those of them that a local name never holds without one (`_`, `-` and `.` may).
_ALWAYS_ESCAPED = re.compile(r"[~!$&'()*+,;=/?#@%]")
#: ASCII characters that no local name holds, with or without a backslash.
_ASCII_NOT_LOCAL = re.compile(r"[^A-Za-z0-9_:.\-~!$&'()*+,;=/?#@%]")
#: Turtle's PN_CHARS_BASE beyond ASCII letters.
_BASE_RANGES = (
    (0xC0, 0xD6),
    (0xD8, 0xF6),
    (0xF8, 0x2FF),
    (0x370, 0x37D),
    (0x37F, 0x1FFF),
    (0x200C, 0x200D),
    (0x2070, 0x218F),
    (0x2C00, 0x2FEF),
    (0x3001, 0xD7FF),
    (0xF900, 0xFDCF),
    (0xFDF0, 0xFFFD),
    (0x10000, 0xEFFFF),
)
#: IRIs whose written form a writer keeps (then it starts again: no growth without bound).
KEPT_NAMES = 8192


def _name_start(char: str) -> bool:
    """PN_CHARS_U: a letter of PN_CHARS_BASE or `_`."""
    if char.isascii():
        return char.isalpha() or char == "_"
    code = ord(char)
    return any(low <= code <= high for low, high in _BASE_RANGES)


def _name_char(char: str) -> bool:
    """PN_CHARS: PN_CHARS_U, `-`, a digit, U+00B7, U+0300-036F, U+203F-2040."""
    if _name_start(char) or char == "-" or "0" <= char <= "9":
        return True
    code = ord(char)
    return code == 0xB7 or 0x300 <= code <= 0x36F or 0x203F <= code <= 0x2040


def escape_local(local: str) -> str | None:
    """`local` as a Turtle local name (escaped where Turtle allows), None where it cannot be
    one (e.g. a space, or a character no backslash may precede)."""
    if _PLAIN_LOCAL.fullmatch(local):
        return local
    if not local:
        return None
    if local.isascii():
        if _ASCII_NOT_LOCAL.search(local):
            return None
        escaped = _ALWAYS_ESCAPED.sub(r"\\\g<0>", local)
        if escaped[0] in "-.":
            escaped = "\\" + escaped
        if escaped[-1] == "." and len(local) > 1:
            escaped = escaped[:-1] + "\\."
        return escaped
    out: list[str] = []
    last = len(local) - 1
    for index, char in enumerate(local):
        if index == 0:
            plain = _name_start(char) or char == ":" or "0" <= char <= "9"
        else:
            plain = _name_char(char) or char == ":" or (char == "." and index < last)
        if plain:
            out.append(char)
        elif char in _ESCAPABLE:
            out.append("\\" + char)
        else:
            return None
    return "".join(out)


def oxigraph_prelude(prefixes: Mapping[str, str]) -> list[tuple[str, str]]:
    """The prefixes in the order Oxigraph's Turtle writer declares and tries them (longest
    namespace first), read from the header it writes for one statement."""
    probe = ox.Triple(ox.NamedNode("urn:x:s"), ox.NamedNode("urn:x:p"), ox.NamedNode("urn:x:o"))
    written = bytes(
        ox.serialize([probe], format=ox.RdfFormat.TURTLE, prefixes=dict(prefixes)) or b""
    )
    order: list[tuple[str, str]] = []
    for line in written.decode("utf-8").splitlines():
        if line.startswith("@prefix "):
            name, _, rest = line[len("@prefix ") :].partition(": <")
            order.append((name, rest.removesuffix("> .")))
    return order


class TurtleText:
    """Writes sorted statements, given as N-Triples texts, as Oxigraph writes them with
    `prefixes` (see the module docstring). Made once per set of prefixes; threads may share
    one (its memo of written names is a dict: each operation is atomic under the GIL)."""

    def __init__(self, prefixes: Mapping[str, str]) -> None:
        self.order = oxigraph_prelude(prefixes)
        self.header = "".join(f"@prefix {name}: <{ns}> .\n" for name, ns in self.order)
        self._cuts = tuple(sorted({ns[-1] for _name, ns in self.order if ns}))
        self._names: dict[str, str] = {}
        self._predicates: dict[str, str] = {}
        self._heads: dict[str, list[tuple[str, int]]] = {}
        self._by_namespace: dict[str, list[tuple[str, int]]] = {}
        for name, ns in self.order:
            self._by_namespace.setdefault(ns, []).append((name, len(ns)))

    def turtle(self, triples: Iterable[str]) -> bytes:
        """Turtle for `triples` (N-Triples texts of `s p o`, without ` .`), in their order:
        `trig` with every statement in the default graph, in fewer steps a statement (the
        written forms of IRIs and predicates looked up in the writer's memo first)."""
        out: list[str] = [self.header]
        append = out.append
        names = self._names
        predicates = self._predicates
        name, term = self.name, self.term
        subject = predicate = ""  # the last statement's ("": none yet)
        for triple in triples:
            s, p, o = triple.split(" ", 2)
            # a plain or language-tagged literal is written as it is
            obj = o if o[0] == '"' and o[-1] != ">" else names.get(o) or term(o)
            if s == subject:
                if p == predicate:
                    append(" , " + obj)
                    continue
                head = " ;\n\t"
            else:
                if subject:
                    append(" .\n")
                head = s if s[0] == "_" else names.get(s) or name(s)
                head += " "
                subject = s
            predicate = p
            written = predicates.get(p)
            if written is None:
                written = self._predicate(p)
                if len(predicates) >= KEPT_NAMES:
                    predicates.clear()
                predicates[p] = written
            append(f"{head}{written} {obj}")
        if not subject:
            return b""
        append(" .\n")
        return "".join(out).encode("utf-8")

    def trig(self, statements: Iterable[tuple[str, str]]) -> bytes:
        """TriG for `statements`: (graph, triple) texts, graph "" for the default graph, in
        their order (Turtle when every graph is "")."""
        out: list[str] = []
        append = out.append
        graph = ""  # the graph being written ("": the default graph)
        subject = predicate = ""  # the last statement's ("": none yet)
        name, term = self.name, self.term
        for graph_text, triple in statements:
            s, p, o = triple.split(" ", 2)
            obj = name(o) if o[0] == "<" else term(o)
            if graph_text == graph and subject:
                if s == subject:
                    if p == predicate:
                        append(" , " + obj)
                        continue
                    append(" ;\n\t\t" if graph else " ;\n\t")
                else:
                    append(" .\n\t" if graph else " .\n")
                    append(name(s) if s[0] == "<" else s)
                    append(" ")
            else:
                if not out:
                    append(self.header)
                if subject:
                    append(" .\n")
                if graph:
                    append("}\n")
                if graph_text:
                    append(name(graph_text) if graph_text[0] == "<" else graph_text)
                    append(" {\n\t")
                graph = graph_text
                append(name(s) if s[0] == "<" else s)
                append(" ")
            subject, predicate = s, p
            append(self._predicate(p))
            append(" ")
            append(obj)
        if subject:
            append(" .\n}\n" if graph else " .\n")
        return "".join(out).encode("utf-8")

    def term(self, text: str) -> str:
        """An object's N-Triples text as Turtle."""
        first = text[0]
        if first == "<":
            return self.name(text)
        if first == "_" or text[-1] == '"':
            return text
        quote = text.rindex('"')
        if text[quote + 1] == "@":
            return text
        datatype = text[quote + 3 :]  # after `"^^`
        bare = _BARE.get(datatype)
        value = text[1:quote]
        if bare is not None and bare.fullmatch(value):
            return value
        return text[: quote + 1] + "^^" + self.name(datatype)

    def _predicate(self, text: str) -> str:
        """A predicate's N-Triples text as Turtle (`a` for `rdf:type`)."""
        return "a" if text == _RDF_TYPE else self._names.get(text) or self.name(text)

    def name(self, text: str) -> str:
        """An IRI's N-Triples text (`<iri>`) as Turtle: a prefixed name where one fits."""
        found = self._names.get(text)
        if found is None:
            found = self._prefixed(text[1:-1])
            if len(self._names) >= KEPT_NAMES:
                self._names.clear()
            self._names[text] = found
        return found

    def _prefixed(self, iri: str) -> str:
        """`iri` with the first prefix (in Oxigraph's order) that fits, else `<iri>`."""
        for prefix, length in self._candidates(iri):
            local = iri[length:]
            if not local:
                return prefix + ":"
            escaped = escape_local(local)
            if escaped is not None:
                return f"{prefix}:{escaped}"
        return f"<{iri}>"

    def _candidates(self, iri: str) -> list[tuple[str, int]]:
        """The prefixes whose namespace starts `iri`, in Oxigraph's order (the longest
        first), with the namespace's length. A namespace ends with one of `_cuts`, so those
        that start `iri` are those that start its head (`iri` up to the last of them): the
        namespace equal to the head, then those of the head's own head, and so on, each
        head's kept (IRIs of a kind share theirs)."""
        heads = self._heads
        head = iri[: self._last_cut(iri, len(iri)) + 1]
        missing: list[str] = []
        while head and head not in heads:
            missing.append(head)
            head = head[: self._last_cut(head, len(head) - 1) + 1]
        found = heads.get(head, [])
        for head in reversed(missing):
            found = self._by_namespace.get(head, []) + found
            if len(heads) >= KEPT_NAMES:
                heads.clear()
            heads[head] = found
        return found

    def _last_cut(self, text: str, end: int) -> int:
        """Where the last of `_cuts` is in `text[:end]` (-1: none)."""
        last = -1
        for char in self._cuts:
            found = text.rfind(char, 0, end)
            if found > last:
                last = found
        return last
