"""The Reconciliation Service API 0.2 JSON Schemas (`../shared/conformance/
reconciliation-api-0.2/schemas/`) as validators, for the conformance and service tests.

One registry holds every schema of the folder under its `$id` (the manifest's `type.json` and
its Swagger 2.0 security scheme reference resolve there) and the JSON Schema metaschemas; every
schema is read as draft-07, the dialect of the spec's own test runner (ajv). Nothing is copied
from the schemas into code: they are read from the shared folder.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator
from jsonschema_specifications import REGISTRY as METASCHEMAS
from referencing import Registry
from referencing.jsonschema import DRAFT7

import shared_material

FOLDER = "conformance/reconciliation-api-0.2"
SCHEMAS = f"{FOLDER}/schemas"
EXAMPLES = f"{FOLDER}/examples"

#: Example folders without a schema file of their own -> (schema, JSON pointer) of the part of a
#: schema that describes them. `flyout-response` and `preview-response` (HTML) have none.
SUB_SCHEMAS = {
    "data-extension-metadata": ("manifest", "/properties/extend"),
    "preview-metadata": ("manifest", "/properties/preview"),
    "suggest-metadata": ("manifest", "/properties/suggest/definitions/service_definition"),
    "reconciliation-candidate": (
        "reconciliation-result-batch",
        "/patternProperties/^.*$/properties/result/items",
    ),
    "security-scheme": ("openapi", "/definitions/securityDefinitions/additionalProperties"),
}


def schema_ids() -> dict[str, str]:
    """Each schema file's stem -> its `$id` (without an empty fragment)."""
    folder = shared_material.shared(SCHEMAS)
    return {
        path.stem: json.loads(path.read_text(encoding="utf-8"))["$id"].rstrip("#")
        for path in sorted(folder.glob("*.json"))
    }


@cache
def registry() -> Registry:
    folder = shared_material.shared(SCHEMAS)
    resources = []
    for path in sorted(folder.glob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((contents["$id"].rstrip("#"), DRAFT7.create_resource(contents)))
    return METASCHEMAS.with_resources(resources)


@cache
def validator(name: str, pointer: str = "") -> Draft7Validator:
    """The validator of schema `name` (a file stem), or of the part at `pointer` in it."""
    ref = schema_ids()[name] + (f"#{pointer}" if pointer else "")
    return Draft7Validator(
        {"$ref": ref}, registry=registry(), format_checker=Draft7Validator.FORMAT_CHECKER
    )


def validator_for_folder(folder: str) -> Draft7Validator | None:
    """The validator of an example folder (its schema file, else its part of a schema)."""
    if folder in schema_ids():
        return validator(folder)
    if folder in SUB_SCHEMAS:
        return validator(*SUB_SCHEMAS[folder])
    return None


def errors(name: str, document: Any) -> list[str]:
    """What schema `name` finds wrong with `document` (empty: valid)."""
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
        for e in validator(name).iter_errors(document)
    ]


def examples() -> list[tuple[str, str, Path]]:
    """(folder, "valid" or "invalid", file) of every JSON example."""
    root = shared_material.shared(EXAMPLES)
    return [
        (path.parent.parent.name, path.parent.name, path)
        for path in sorted(root.glob("*/*/*.json"))
    ]
