"""The `citydip-ld` command line: a thin Click layer over the core.

Exit codes: 0 success (the data conforms), 1 the data does not conform, 2 load or usage error.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

import click

from citydip_ld.errors import CitydipError
from citydip_ld.iris import DEFAULT_BASE, normalise_base
from citydip_ld.output import FORMAT_NAMES, Layout, build_all, build_directory
from citydip_ld.validate import Report, read_rdf, split_dataset, validate_graph


@dataclass
class Context:
    layout: Layout
    base: str


class UsageError(click.ClickException):
    """A load or usage error: exit code 2, message without a traceback."""

    exit_code = 2


def fail(error: CitydipError) -> UsageError:
    return UsageError(str(error))


CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "auto_envvar_prefix": "CITYDIP"}


@click.group(context_settings=CONTEXT_SETTINGS)
@click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data"),
    show_default=True,
    help="Folder of curated fact files.",
)
@click.option(
    "--ontology",
    "ontology_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of ontology Turtle files [default: ontology/ beside the data folder].",
)
@click.option(
    "--shapes",
    "shapes_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of SHACL shapes [default: shapes/ beside the data folder].",
)
@click.option(
    "--base",
    default=DEFAULT_BASE,
    show_default=True,
    help="Base IRI of the dataset; entities are {base}id/{kind}/{slug}. Env CITYDIP_BASE.",
)
@click.version_option(package_name="citydip-ld")
@click.pass_context
def main(
    ctx: click.Context,
    data_dir: Path,
    ontology_dir: Path | None,
    shapes_dir: Path | None,
    base: str,
) -> None:
    """Publish curated city-diplomacy facts as linked data."""
    standard = Layout.beside(data_dir)
    layout = Layout(
        data_dir,
        ontology_dir or standard.ontology_dir,
        shapes_dir or standard.shapes_dir,
    )
    ctx.obj = Context(layout, normalise_base(base))


@main.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("build"),
    show_default=True,
    help="Output folder; each file is replaced atomically.",
)
@click.option(
    "--format",
    "formats",
    type=click.Choice(sorted(FORMAT_NAMES)),
    multiple=True,
    help="Formats to write (repeatable) [default: all].",
)
@click.pass_obj
def build(obj: Context, out_dir: Path, formats: tuple[str, ...]) -> None:
    """Convert the fact files to RDF (TriG, N-Quads, JSON-LD, Turtle, N-Triples)."""
    started = time.perf_counter()
    names = [FORMAT_NAMES[f] for f in formats] or None
    try:
        result = build_directory(
            obj.layout.data_dir, out_dir, base=obj.base, names=names, layout=obj.layout
        )
    except CitydipError as exc:
        raise fail(exc) from None
    triples = len(result.dataset)
    graphs = sum(1 for _ in result.dataset.graphs()) - 1
    elapsed = time.perf_counter() - started
    click.echo(f"built {triples} quads in {graphs} named graphs into {out_dir}/ ({elapsed:.2f} s)")


@main.command()
@click.option(
    "--input",
    "input_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Validate this RDF file (any format, by extension) instead of building the facts.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Report format.",
)
@click.option(
    "--lang",
    type=click.Choice(["en", "fa"]),
    default="en",
    show_default=True,
    help="Language of the messages.",
)
@click.pass_obj
def check(obj: Context, input_file: Path | None, output_format: str, lang: str) -> None:
    """Validate the dataset against the SHACL shapes; exit 1 on violations."""
    try:
        report = run_check(obj, input_file, lang)
    except CitydipError as exc:
        raise fail(exc) from None
    click.echo(report.to_json() if output_format == "json" else report.to_text())
    if not report.conforms:
        sys.exit(1)


def run_check(obj: Context, input_file: Path | None, lang: str) -> Report:
    """Build (or read `input_file`) and validate; lines come from the fact files either way."""
    built = build_all(obj.layout, obj.base)
    if input_file is None:
        data, shapes, ontology = split_dataset(built.dataset, obj.base)
    else:
        given = read_rdf(input_file)
        data, _, _ = split_dataset(given, obj.base)
        _, shapes, ontology = split_dataset(built.dataset, obj.base)
    return validate_graph(data, shapes, ontology=ontology, sources=built.sources, lang=lang)
