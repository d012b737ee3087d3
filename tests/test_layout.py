"""The package's layout: stages in data-flow order, no import cycles (README, "Layout").

Every `import` in `src/citydip_ld` is read with `ast`, wherever it is written: at the top,
inside a function (a lazy import) or under `if TYPE_CHECKING:`. A module may import its own
stage and the stages before it, never a later one, and no chain of imports comes back to
where it started.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = "citydip_ld"
SOURCE = Path(__file__).resolve().parent.parent / "src" / PACKAGE

#: The stages in data-flow order; a module belongs to the first prefix it matches.
STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "shared",
        (
            "citydip_ld.errors",
            "citydip_ld.iris",
            "citydip_ld.atomic",
            "citydip_ld.conneg",
            "citydip_ld.httpclient",  # linking (Wikidata) and stores (remote, publish)
            "citydip_ld.normalise",  # search keys: the store's index and the web's queries
            "citydip_ld.c_library",  # malloc_trim (web, commands) and madvise (commands)
            "citydip_ld.pickled_records",  # the records of the views prepared at publish
        ),
    ),
    ("curation", ("citydip_ld.curation",)),
    ("rdf", ("citydip_ld.rdf",)),
    ("validation", ("citydip_ld.validation",)),
    ("linking", ("citydip_ld.linking",)),
    ("sparql", ("citydip_ld.sparql",)),
    ("stores", ("citydip_ld.stores",)),
    ("web", ("citydip_ld.web",)),
    (
        "commands",
        (
            "citydip_ld.serving",
            "citydip_ld.server_settings",
            "citydip_ld.slow_clients",
            "citydip_ld.granian_front",
            "citydip_ld.worker_cpus",
            "citydip_ld.worker_memory",
            "citydip_ld.cli",
            "citydip_ld.__main__",
            "citydip_ld.logs",
            "citydip_ld.progress",
        ),
    ),
)
#: Stages that sit side by side: neither may import the other.
SIDE_BY_SIDE = {"validation": "linking", "linking": "validation"}
#: The package's own `__init__` (its version) may be imported by any stage.
ROOT = PACKAGE


def module_name(path: Path) -> str:
    parts = path.relative_to(SOURCE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(SOURCE.rglob("*.py"))}


MODULES = modules()


def _resolve(current: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = current.split(".") if is_package else current.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imports_of(name: str) -> Iterator[tuple[str, int]]:
    """Every module of the package that `name` imports, with the line of the import."""
    path = MODULES[name]
    yield from imports_in(path.read_text(encoding="utf-8"), name, path.name == "__init__.py")


def imports_in(source: str, name: str, is_package: bool) -> Iterator[tuple[str, int]]:
    """The package's modules imported anywhere in `source` (module `name`)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == PACKAGE:
                    yield _known(alias.name), node.lineno
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(name, is_package, node)
            if target.split(".")[0] != PACKAGE:
                continue
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                yield (submodule if submodule in MODULES else _known(target)), node.lineno


def _known(target: str) -> str:
    """The module `target` names (a dotted name may go on into a module's attributes)."""
    while target not in MODULES and "." in target:
        target = target.rsplit(".", 1)[0]
    return target


def stage_of(name: str) -> int | None:
    if name == ROOT:
        return -1
    for index, (_, prefixes) in enumerate(STAGES):
        if any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes):
            return index
    return None


GRAPH = {name: sorted({target for target, _ in imports_of(name)} - {name}) for name in MODULES}


def test_the_layout_reads_every_module() -> None:
    assert "citydip_ld.curation.facts" in GRAPH
    assert "citydip_ld.web.context" in GRAPH["citydip_ld.web.pages"]


def test_every_module_belongs_to_a_stage() -> None:
    """A new module goes into the package of its stage (or the table above says where)."""
    assert [name for name in MODULES if stage_of(name) is None] == []


def test_no_stage_imports_a_later_one() -> None:
    wrong = []
    for name in MODULES:
        own = stage_of(name)
        assert own is not None
        for target, line in imports_of(name):
            other = stage_of(target)
            assert other is not None, target
            later = other > own
            beside = SIDE_BY_SIDE.get(STAGES[own][0]) == STAGES[other][0] if other >= 0 else False
            if later or beside:
                wrong.append(f"{MODULES[name].relative_to(SOURCE)}:{line} imports {target}")
    assert wrong == []


def find_cycle(graph: dict[str, list[str]]) -> list[str] | None:
    """One import cycle in `graph` (as a path that ends where it starts), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in graph.get(node, []):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (found := visit(target)) is not None:
                return found
        path.pop()
        state[node] = 2
        return None

    for node in graph:
        if node not in state and (found := visit(node)) is not None:
            return found
    return None


def test_no_import_cycles_lazy_imports_included() -> None:
    cycle = find_cycle(GRAPH)
    assert cycle is None, " -> ".join(cycle or [])


@pytest.mark.parametrize(
    ("graph", "cycle"),
    [
        ({"a": ["b"], "b": ["c"], "c": []}, None),
        ({"a": ["b"], "b": ["c"], "c": ["a"]}, ["a", "b", "c", "a"]),
    ],
)
def test_the_cycle_finder(graph: dict[str, list[str]], cycle: list[str] | None) -> None:
    assert find_cycle(graph) == cycle


def test_lazy_and_type_checking_imports_count() -> None:
    """The two cycles this test was written against (`store` <-> `disk_store`, `web` <-> its
    blueprints) went through imports inside functions and under `if TYPE_CHECKING:`."""
    source = """
from typing import TYPE_CHECKING
import citydip_ld.errors
if TYPE_CHECKING:
    from citydip_ld.stores.store import Store
def f():
    from citydip_ld.web import context
    from . import describe
"""
    found = [target for target, _ in imports_in(source, "citydip_ld.stores.statistics", False)]
    assert found == [
        "citydip_ld.errors",
        "citydip_ld.stores.store",
        "citydip_ld.web.context",
        "citydip_ld.stores.describe",
    ]


def test_every_package_says_what_it_owns_and_may_import() -> None:
    packages = [name for name, path in MODULES.items() if path.name == "__init__.py"]
    silent = [
        name
        for name in packages
        if name != ROOT
        and "May import"
        not in (ast.get_docstring(ast.parse(MODULES[name].read_text(encoding="utf-8"))) or "")
    ]
    assert silent == []


#: Longest function body (its docstring included, its signature not) without a reason.
LONGEST = 60


def test_no_function_is_long_without_saying_why() -> None:
    """A function body over about 60 lines says why in its docstring ("Long because ...")."""
    long = []
    for path in MODULES.values():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.body[0].lineno + 1
                if length > LONGEST and "Long because" not in (ast.get_docstring(node) or ""):
                    long.append(f"{path.relative_to(SOURCE)}:{node.lineno} {node.name} ({length})")
    assert long == []


def test_the_readme_layout_names_every_package_and_module() -> None:
    readme = (SOURCE.parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Layout", 1)[1].split("\n## ", 1)[0]
    missing = [
        str(path.relative_to(SOURCE))
        for path in MODULES.values()
        if path.name != "__init__.py"
        and re.search(rf"\b{re.escape(path.stem)}(\.py)?\b", section) is None
    ]
    missing += [
        f"{folder.relative_to(SOURCE)}/"
        for folder in sorted(SOURCE.rglob("*"))
        if (folder / "__init__.py").is_file() and f"{folder.name}/" not in section
    ]
    assert missing == []


def test_every_kind_module_is_registered() -> None:
    """A kind that is not in `KINDS` would never be read or built."""
    from citydip_ld.curation.kinds import KINDS

    registered = {type(kind).__module__ for kind in KINDS}
    modules = {
        name
        for name, path in MODULES.items()
        if name.startswith("citydip_ld.curation.kinds.") and path.stem != "base"
    }
    assert modules == registered
    assert len({kind.name for kind in KINDS}) == len(KINDS)
