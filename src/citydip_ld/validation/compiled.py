"""SHACL shapes compiled into SPARQL SELECTs that return the violations, for `check --store`:
a store folder or a remote SPARQL store is validated where the triples live, without loading
them into memory (pyshacl-turbo and pySHACL both need the data in the process: pyshacl-turbo
dumps a pyoxigraph store to N-Quads text and parses it).

`compile_shapes` turns every constraint of every node shape with a target into one `Check`: a
query `SELECT DISTINCT ?this ?value ?key` whose rows are the validation results (`?key`, when
there is one, tells apart several results for the same focus node and value, e.g. one per
duplicated language of `sh:uniqueLang`). `run_checks` runs them through any function that
answers a SELECT with pyoxigraph solutions (an on-disk pyoxigraph store, `RemoteSparqlStore`)
and writes the results as a SHACL validation report graph, the same vocabulary pySHACL's report
uses, so `validate.report_from_results` reads it like any engine's.

What it compiles is what `shapes/` uses (SHACL Core as in the spec, and SPARQL-based
constraints): targets `sh:targetClass` (with `rdfs:subClassOf*`), `sh:targetObjectsOf`,
`sh:targetSubjectsOf`, `sh:targetNode`; property paths of every kind; `sh:minCount`,
`sh:maxCount`, `sh:datatype` (ill-formed literals included, for the XSD types SPARQL can cast),
`sh:nodeKind`, `sh:pattern` (matched in Python, as pySHACL does: Oxigraph's regular expressions
have no look-ahead), `sh:languageIn`, `sh:uniqueLang`, `sh:class`, `sh:in`, `sh:hasValue`,
`sh:min/maxInclusive`, `sh:min/maxExclusive`, `sh:min/maxLength`, `sh:lessThan(OrEquals)`,
`sh:node`, `sh:or`, `sh:and`, `sh:xone`, `sh:not` and `sh:sparql` (SELECT, `$this` joined with
the focus nodes). Anything else raises `LoadError` naming it: nothing is silently skipped.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from rdflib import OWL, RDF, SH, XSD, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from citydip_ld.errors import LoadError
from citydip_ld.rdf.terms import rdflib_term

#: A function that answers a SPARQL SELECT with rows of pyoxigraph terms by variable name.
Select = Callable[[str], Iterable[Any]]

_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
_SUBCLASS = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"
_CASTABLE = {XSD[name] for name in ("integer", "decimal", "double", "float", "boolean")} | {
    XSD.date,
    XSD.dateTime,
    XSD.string,
}
_COMPARISONS = {
    SH.minInclusive: ">=",
    SH.maxInclusive: "<=",
    SH.minExclusive: ">",
    SH.maxExclusive: "<",
}
_PAIR_COMPARISONS = {SH.lessThanOrEquals: "<=", SH.lessThan: "<"}
_NODE_KINDS = {
    SH.IRI: "isIRI({v})",
    SH.BlankNode: "isBlank({v})",
    SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "!isLiteral({v})",
    SH.BlankNodeOrLiteral: "!isIRI({v})",
    SH.IRIOrLiteral: "!isBlank({v})",
}
#: Predicates of a shape that are not constraint parameters (or are read with another one).
_NOT_PARAMETERS = {
    SH.path,
    SH.message,
    SH.property,
    SH.name,
    SH.description,
    SH.severity,
    SH.deactivated,
    SH.order,
    SH.group,
    SH.targetClass,
    SH.targetObjectsOf,
    SH.targetSubjectsOf,
    SH.targetNode,
    SH.flags,
    SH.defaultValue,
    SH.prefixes,  # read with sh:sparql (which refuses them)
    SH.declare,
}
_TARGETS = (SH.targetClass, SH.targetObjectsOf, SH.targetSubjectsOf, SH.targetNode)


@dataclass(frozen=True)
class Check:
    """One constraint of one shape, as the query that selects its violations."""

    query: str
    focus_shape: Node  # the node shape whose targets are the focus nodes
    shape: Node  # sh:sourceShape: the shape that holds the constraint
    component: URIRef
    path: Node | None  # sh:resultPath, a node of the shapes graph (None: no path)
    severity: URIRef
    messages: tuple[Literal, ...]
    #: A value that this predicate rejects is a violation (sh:pattern, matched in Python);
    #: None: every row is one.
    keep: Callable[[Any], bool] | None = None


@dataclass
class _Names:
    """Fresh SPARQL variable names."""

    counter: itertools.count[int] = field(default_factory=itertools.count)

    def __call__(self, stem: str = "v") -> str:
        return f"?{stem}{next(self.counter)}"


def term(node: Node) -> str:
    """`node` in SPARQL syntax."""
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, Literal):
        return node.n3()
    raise LoadError(f"a blank node {node} where the shapes need an IRI or a literal")


def sparql_path(shapes: Graph, path: Node) -> str:
    """A SHACL property path in SPARQL's syntax, fully bracketed."""
    if isinstance(path, URIRef):
        return term(path)
    if shapes.value(path, RDF.first) is not None:
        return "(" + "/".join(sparql_path(shapes, step) for step in Collection(shapes, path)) + ")"
    alternatives = shapes.value(path, SH.alternativePath)
    if alternatives is not None:
        options = Collection(shapes, alternatives)
        return "(" + "|".join(sparql_path(shapes, option) for option in options) + ")"
    unary = {SH.inversePath: "^{}", SH.zeroOrMorePath: "{}*", SH.oneOrMorePath: "{}+"}
    unary[SH.zeroOrOnePath] = "{}?"
    for operator, form in unary.items():
        inner = shapes.value(path, operator)
        if inner is not None:
            return "(" + form.format(sparql_path(shapes, inner)) + ")"
    raise LoadError(f"unsupported SHACL property path {path!r}")


_CLASSES = (URIRef("http://www.w3.org/2000/01/rdf-schema#Class"), URIRef(str(OWL) + "Class"))


def _is_class(shapes: Graph, shape: Node) -> bool:
    return any((shape, RDF.type, cls) in shapes for cls in _CLASSES)


def _shapes_of(shapes: Graph) -> set[Node]:
    return set(shapes.subjects(RDF.type, SH.NodeShape)) | set(
        shapes.subjects(RDF.type, SH.PropertyShape)
    )


def _focus(shapes: Graph, node_shape: Node, names: _Names, this: str = "?this") -> str | None:
    """The pattern binding `this` to each focus node of `node_shape` (None: no target)."""
    parts = []
    classes = set(shapes.objects(node_shape, SH.targetClass))
    if _is_class(shapes, node_shape):
        classes.add(node_shape)  # an implicit class target
    for cls in sorted(classes, key=str):
        parts.append(f"{{ {this} {_TYPE}/{_SUBCLASS}* {term(cls)} }}")
    for predicate in shapes.objects(node_shape, SH.targetObjectsOf):
        parts.append(f"{{ {names('s')} {term(predicate)} {this} }}")
    for predicate in shapes.objects(node_shape, SH.targetSubjectsOf):
        parts.append(f"{{ {this} {term(predicate)} {names('o')} }}")
    nodes = [term(n) for n in shapes.objects(node_shape, SH.targetNode)]
    if nodes:
        parts.append(f"{{ VALUES {this} {{ {' '.join(nodes)} }} }}")
    return " UNION ".join(parts) if parts else None


@dataclass(frozen=True)
class _Pattern:
    """A constraint's violations of focus variable `x` as a group pattern: `value` is the
    variable of the value node (None: the result has no value), `key` one more variable that
    tells results apart."""

    component: URIRef
    pattern: str
    value: str | None
    key: str | None = None
    keep: Callable[[Any], bool] | None = None


def _distinct(x: str, path: str, count: int, names: _Names) -> str:
    """`count` pairwise different values of `path` at `x`."""
    values = [names() for _ in range(count)]
    triples = " ".join(f"{x} {path} {v} ." for v in values)
    differ = [f"!sameTerm({a}, {b})" for a, b in itertools.combinations(values, 2)]
    return triples + (f" FILTER({' && '.join(differ)})" if differ else "")


def _one_of(v: str, items: Iterable[str]) -> str:
    options = [f"sameTerm({v}, {item})" for item in items]
    return "(" + " || ".join(options) + ")" if options else "false"


def _value_condition(shapes: Graph, parameter: URIRef, value: Node, v: str) -> str | None:
    """The FILTER that makes value `v` a violation of a value-type constraint (None: not one
    of those)."""
    if parameter == SH.datatype:
        ok = f"isLiteral({v}) && sameTerm(DATATYPE({v}), {term(value)})"
        if value in _CASTABLE:
            ok += f" && COALESCE(isLiteral({term(value)}(STR({v}))), false)"
        return f"!({ok})"
    if parameter == SH.nodeKind:
        if not isinstance(value, URIRef) or value not in _NODE_KINDS:
            raise LoadError(f"unknown sh:nodeKind {value} in the shapes")
        return "!" + _NODE_KINDS[value].format(v=v)
    if parameter == SH.languageIn:
        tags = [f'langMatches(LANG({v}), "{tag}")' for tag in Collection(shapes, value)]
        return f"!isLiteral({v}) || !({' || '.join(tags) or 'false'})"
    if parameter == SH["in"]:
        return "!" + _one_of(v, (term(item) for item in Collection(shapes, value)))
    if parameter in _COMPARISONS:
        return f"!COALESCE({v} {_COMPARISONS[parameter]} {term(value)}, false)"
    if parameter == SH.minLength:
        return f"isBlank({v}) || STRLEN(STR({v})) < {int(str(value))}"
    if parameter == SH.maxLength:
        return f"isBlank({v}) || STRLEN(STR({v})) > {int(str(value))}"
    return None


def _component(parameter: URIRef) -> URIRef:
    if parameter == SH.sparql:
        return SH.SPARQLConstraintComponent
    name = parameter.removeprefix(str(SH))
    return SH[f"{name[0].upper()}{name[1:]}ConstraintComponent"]


@dataclass(frozen=True)
class _Shape:
    """A shape being compiled at focus variable `x`: its path in SPARQL (None: the value node
    is `x` itself)."""

    shapes: Graph
    node: Node
    x: str
    path: str | None
    names: _Names
    nested: bool

    def values(self) -> tuple[str, str]:
        """(a pattern binding a value variable, the variable)."""
        if self.path is None:
            return "", self.x
        v = self.names()
        return f"{self.x} {self.path} {v} .", v


def constraint_patterns(
    shapes: Graph, shape: Node, x: str, names: _Names, *, nested: bool = False
) -> Iterator[_Pattern]:
    """Each constraint of `shape` (its own parameters, not those of its `sh:property` shapes)
    as the pattern of its violations at focus variable `x`. `nested` (inside sh:or,
    sh:node...): no Python filters, so sh:pattern is matched by SPARQL's REGEX."""
    path_node = shapes.value(shape, SH.path)
    path = sparql_path(shapes, path_node) if path_node is not None else None
    here = _Shape(shapes, shape, x, path, names, nested)
    pairs = sorted(
        ((p, o) for p, o in shapes.predicate_objects(shape) if isinstance(p, URIRef)),
        key=lambda pair: (str(pair[0]), str(pair[1])),
    )
    for parameter, value in pairs:
        if not parameter.startswith(str(SH)) or parameter in _NOT_PARAMETERS:
            continue
        if parameter == SH.sparql:
            if nested:
                raise LoadError(f"sh:sparql inside another constraint ({shape}) is not supported")
            continue  # compile_shapes makes one Check per SPARQL constraint
        yield _one_constraint(here, parameter, value)


def _counting(here: _Shape, parameter: URIRef, value: Node) -> _Pattern:
    """sh:minCount, sh:maxCount, sh:uniqueLang, sh:hasValue."""
    component, x, path, names = _component(parameter), here.x, here.path, here.names
    if path is None:
        if parameter != SH.hasValue:
            raise LoadError(f"{parameter} on a node shape ({here.node}): it needs sh:path")
        return _Pattern(component, f"FILTER(!sameTerm({x}, {term(value)}))", x)
    if parameter == SH.minCount:
        need = int(str(value))
        inner = _distinct(x, path, need, names)
        pattern = f"FILTER NOT EXISTS {{ {inner} }}" if need else "FILTER(false)"
        return _Pattern(component, pattern, None)
    if parameter == SH.maxCount:
        return _Pattern(component, _distinct(x, path, int(str(value)) + 1, names), None)
    if parameter == SH.hasValue:
        return _Pattern(component, f"FILTER NOT EXISTS {{ {x} {path} {term(value)} }}", None)
    if str(value).lower() != "true":
        return _Pattern(component, "FILTER(false)", None)
    a, b, lang = names(), names(), names("lang")
    same = f"!sameTerm({a}, {b}) && LANG({a}) != '' && LCASE(LANG({a})) = LCASE(LANG({b}))"
    pattern = f"{x} {path} {a} . {x} {path} {b} . FILTER({same}) BIND(LCASE(LANG({a})) AS {lang})"
    return _Pattern(component, pattern, None, lang)


def _one_constraint(here: _Shape, parameter: URIRef, value: Node) -> _Pattern:
    """One constraint (`parameter` with `value`) of the shape `here` as its violations."""
    shapes, names, component = here.shapes, here.names, _component(parameter)
    if parameter in (SH.minCount, SH.maxCount, SH.uniqueLang, SH.hasValue):
        return _counting(here, parameter, value)
    bind, v = here.values()
    if parameter == SH["class"]:
        pattern = f"{bind} FILTER NOT EXISTS {{ {v} {_TYPE}/{_SUBCLASS}* {term(value)} }}"
        return _Pattern(component, pattern, v)
    if parameter == SH.pattern:
        return _pattern_constraint(shapes, here.node, (bind, v), here.nested, component)
    if parameter in _PAIR_COMPARISONS:
        other = names("w")
        compare = f"{v} {_PAIR_COMPARISONS[parameter]} {other}"
        pattern = f"{bind} {here.x} {term(value)} {other} . FILTER(!COALESCE({compare}, false))"
        return _Pattern(component, pattern, v, other)
    if parameter in (SH.node, SH["not"]):
        test = violates(shapes, value, v, names)
        test = test if parameter == SH.node else f"!{test}"
        return _Pattern(component, f"{bind} FILTER({test})", v)
    if parameter in (SH["or"], SH["and"], SH.xone):
        members = [violates(shapes, m, v, names) for m in Collection(shapes, value)]
        return _Pattern(component, f"{bind} FILTER({_logic(parameter, members)})", v)
    condition = _value_condition(shapes, parameter, value, v)
    if condition is None:
        raise LoadError(
            f"`check --store` cannot compile {parameter} (shape {here.node}) into SPARQL; "
            "validate the built dataset with `citydip-ld check` instead"
        )
    return _Pattern(component, f"{bind} FILTER({condition})", v)


def _pattern_constraint(
    shapes: Graph, shape: Node, bound: tuple[str, str], nested: bool, component: URIRef
) -> _Pattern:
    bind, v = bound
    regex = str(shapes.value(shape, SH.pattern))
    flags = str(shapes.value(shape, SH.flags) or "")
    if nested:
        flag_text = f", {Literal(flags).n3()}" if flags else ""
        condition = f"isBlank({v}) || !REGEX(STR({v}), {Literal(regex).n3()}{flag_text})"
        return _Pattern(component, f"{bind} FILTER({condition})", v)
    compiled = re.compile(regex, _python_flags(flags))

    def rejects(value: Any) -> bool:
        return isinstance(value, ox.BlankNode) or compiled.search(value.value) is None

    return _Pattern(component, bind, v, keep=rejects)


def _python_flags(flags: str) -> int:
    table = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE}
    result = 0
    for flag in flags:
        result |= table.get(flag, 0)
    return result


def _logic(operator: URIRef, members: list[str]) -> str:
    """The FILTER that makes the value node violate sh:or, sh:and or sh:xone, given the
    condition under which it violates each member."""
    if operator == SH["or"]:
        return "(" + " && ".join(members) + ")" if members else "true"
    if operator == SH["and"]:
        return "(" + " || ".join(members) + ")" if members else "false"
    conforming = " + ".join(f"IF({m}, 0, 1)" for m in members) or "0"
    return f"(({conforming}) != 1)"


def violates(shapes: Graph, shape: Node, x: str, names: _Names) -> str:
    """The condition under which the node bound to `x` does not conform to `shape` (its own
    constraints and those of its property shapes), for a FILTER."""
    tests: list[str] = []
    for owner in [shape, *shapes.objects(shape, SH.property)]:
        tests.extend(
            f"EXISTS {{ {p.pattern} }}"
            for p in constraint_patterns(shapes, owner, x, names, nested=True)
        )
    return "(" + " || ".join(tests) + ")" if tests else "false"


def _severity(shapes: Graph, shape: Node) -> URIRef:
    severity = shapes.value(shape, SH.severity)
    return severity if isinstance(severity, URIRef) else SH.Violation


def _messages(shapes: Graph, shape: Node) -> tuple[Literal, ...]:
    return tuple(m for m in shapes.objects(shape, SH.message) if isinstance(m, Literal))


def compile_shapes(shapes: Graph) -> list[Check]:
    """Every constraint of every node shape that has a target, as a `Check` (see the module
    docstring); raises LoadError for SHACL it does not compile."""
    checks: list[Check] = []
    names = _Names()
    custom = sorted(str(c) for c in shapes.subjects(RDF.type, SH.ConstraintComponent))
    if custom:
        raise LoadError(
            f"`check --store` cannot compile SHACL-SPARQL constraint components ({custom[0]})"
        )
    targeted = {s for target in _TARGETS for s in shapes.subjects(target, None)}
    targeted |= {s for s in _shapes_of(shapes) if _is_class(shapes, s)}
    node_shapes = sorted(targeted, key=str)
    for node_shape in node_shapes:
        if _deactivated(shapes, node_shape):
            continue
        focus = _focus(shapes, node_shape, names)
        if focus is None:
            continue
        owners = [node_shape, *sorted(shapes.objects(node_shape, SH.property), key=str)]
        for shape in owners:
            if _deactivated(shapes, shape):
                continue
            for pattern in constraint_patterns(shapes, shape, "?this", names):
                checks.append(_check(shapes, node_shape, shape, pattern, focus))
            checks.extend(_detail_checks(shapes, node_shape, shape, names))
        checks.extend(_sparql_checks(shapes, node_shape, focus))
    return _distinct_checks(checks)


def _distinct_checks(checks: list[Check]) -> list[Check]:
    """`checks` without repeats: a store loaded from several dumps of the same shapes (shard
    builds) holds one copy of every anonymous property shape per dump, blank nodes that only
    their labels tell apart; their queries are the same but for variable names."""
    seen: set[tuple[str, Node, URIRef, str, tuple[Literal, ...]]] = set()
    kept = []
    for check in checks:
        query = _canonical(check.query)
        path = "" if check.path is None else _path_text(check.path, check)
        key = (query, check.focus_shape, check.component, path, tuple(sorted(check.messages)))
        if key not in seen:
            seen.add(key)
            kept.append(check)
    return kept


def _canonical(query: str) -> str:
    """`query` with its fresh variables (`?v12`) numbered in order of appearance."""
    numbers: dict[str, str] = {}

    def renumber(match: re.Match[str]) -> str:
        return numbers.setdefault(match.group(0), f"?{match.group(1)}_{len(numbers)}")

    return re.sub(r"\?([a-z]+)\d+", renumber, query)


def _path_text(path: Node, check: Check) -> str:
    """A path as the query wrote it (blank-node paths are copies too)."""
    return str(path) if isinstance(path, URIRef) else "(complex)"


def _check(shapes: Graph, node_shape: Node, shape: Node, pattern: _Pattern, focus: str) -> Check:
    """The query of one constraint: its rows name the value `?value` and the key `?key`."""
    projection = "".join(
        f" ({variable} AS ?{name})"
        for name, variable in (("value", pattern.value), ("key", pattern.key))
        if variable is not None
    )
    return Check(
        query=f"SELECT DISTINCT ?this{projection} WHERE {{ {{ {focus} }} {pattern.pattern} }}",
        focus_shape=node_shape,
        shape=shape,
        component=pattern.component,
        path=shapes.value(shape, SH.path),
        severity=_severity(shapes, shape),
        messages=_messages(shapes, shape),
        keep=pattern.keep,
    )


def _detail_checks(shapes: Graph, node_shape: Node, shape: Node, names: _Names) -> Iterator[Check]:
    """The results nested in those of `sh:node` (pySHACL's `sh:detail`): the constraints of the
    shape that `shape` sends its value nodes to, violated at those value nodes."""
    path = shapes.value(shape, SH.path)
    for used in shapes.objects(shape, SH.node):
        outer = names("focus")
        focus = _focus(shapes, node_shape, names, outer) or ""
        step = f"{outer} {sparql_path(shapes, path)} ?this ." if path is not None else ""
        if not step:
            step = f"BIND({outer} AS ?this)"
        for owner in [used, *sorted(shapes.objects(used, SH.property), key=str)]:
            for pattern in constraint_patterns(shapes, owner, "?this", names):
                yield _check(shapes, node_shape, owner, pattern, f"{{ {focus} }} {step}")


def _deactivated(shapes: Graph, shape: Node) -> bool:
    return str(shapes.value(shape, SH.deactivated) or "").lower() == "true"


def _sparql_checks(shapes: Graph, node_shape: Node, focus: str) -> Iterator[Check]:
    for constraint in shapes.objects(node_shape, SH.sparql):
        if _deactivated(shapes, constraint):
            continue
        select = shapes.value(constraint, SH.select)
        if select is None or shapes.value(constraint, SH.prefixes) is not None:
            raise LoadError(
                f"`check --store` compiles SPARQL constraints with a sh:select and no "
                f"sh:prefixes only ({node_shape})"
            )
        inner = str(select).replace("$this", "?this")
        query = f"SELECT DISTINCT ?this ?value ?path WHERE {{ {{ {focus} }} {{ {inner} }} }}"
        yield Check(
            query=query,
            focus_shape=node_shape,
            shape=node_shape,
            component=SH.SPARQLConstraintComponent,
            path=None,
            severity=_severity(shapes, constraint),
            messages=_messages(shapes, constraint) or _messages(shapes, node_shape),
        )


# ---------------------------------------------------------------- running and reporting


def _copy_path(shapes: Graph, path: Node, report: Graph) -> None:
    """The triples of a complex path (blank nodes of the shapes graph) into the report."""
    if not isinstance(path, BNode):
        return
    for p, o in shapes.predicate_objects(path):
        report.add((path, p, o))
        _copy_path(shapes, o, report)


def run_checks(
    select: Select,
    shapes: Graph,
    checks: list[Check],
    *,
    allow_warnings: bool = True,
    progress: Callable[[str], None] | None = None,
) -> tuple[bool, Graph]:
    """Run every check through `select`: (conforms, a SHACL validation report graph)."""
    report = Graph()
    report.bind("sh", SH)
    conforms = True
    say = progress or (lambda _message: None)
    for number, check in enumerate(checks, 1):
        say(f"checking constraint {number} of {len(checks)} ({check.component.split('#')[-1]})")
        for row in select(check.query):
            value = _get(row, "value")
            if check.keep is not None and (value is None or not check.keep(value)):
                continue
            focus = rdflib_term(row["this"])
            result = BNode()
            report.add((result, RDF.type, SH.ValidationResult))
            report.add((result, SH.focusNode, focus))
            report.add((result, SH.sourceConstraintComponent, check.component))
            report.add((result, SH.resultSeverity, check.severity))
            report.add((result, SH.sourceShape, check.shape))
            path = check.path if check.path is not None else _get(row, "path")
            if path is not None:
                path = path if check.path is not None else rdflib_term(path)
                report.add((result, SH.resultPath, path))
                _copy_path(shapes, path, report)
            if value is not None:
                report.add((result, SH.value, rdflib_term(value)))
            for message in check.messages:
                report.add((result, SH.resultMessage, message))
            if check.severity == SH.Violation or not allow_warnings:
                conforms = False
    return conforms, report


def _get(row: Any, name: str) -> Any:
    try:
        return row[name]
    except (KeyError, IndexError):
        return None
