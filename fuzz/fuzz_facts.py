"""Coverage-guided fuzzing of the fact parser (`citydip_ld.curation.facts.load_facts`) with atheris.

Each input is split into a file choice (its first byte) and the file's text; the text is
written into a fresh data folder and loaded. The contract: `load_facts` returns, or raises
`FactError` whose message leads with `file:line` when it knows the line. Anything else is a
crash: atheris stops and writes the input to `crash-<sha1>` in the working directory.

See fuzz/README.md for the command line.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import atheris
import yaml

with atheris.instrument_imports():
    from citydip_ld.curation.facts import load_facts
    from citydip_ld.errors import FactError

FILES = (
    "places.yaml",
    "organisations.yaml",
    "people.yaml",
    "concepts.yaml",
    "articles/004_aa1ce6595c509616.yaml",
    "wikidata-cache.yaml",
)
WORK = Path(tempfile.mkdtemp(prefix="fuzz-facts-"))
#: With CITYDIP_FUZZ_SKIP_KNOWN=1, inputs of crashes already reported (fuzz/README.md) are
#: skipped, so a run can find the next one: empty documents, and YAML anchors and aliases.
SKIP_KNOWN = os.environ.get("CITYDIP_FUZZ_SKIP_KNOWN") == "1"


def known_crash(text: bytes) -> bool:
    if b"&" in text or b"*" in text:
        return True
    try:
        return yaml.safe_load(text) is None
    except (yaml.YAMLError, ValueError):
        return False


def test_one_input(data: bytes) -> None:
    if not data:
        return
    name = FILES[data[0] % len(FILES)]
    if SKIP_KNOWN and known_crash(data[1:]):
        return
    folder = WORK / "data"
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "articles").mkdir(parents=True)
    (folder / name).write_bytes(data[1:])
    try:
        load_facts(folder)
    except FactError as error:
        if error.line is not None and not str(error).startswith(f"{error.file}:{error.line}: "):
            raise AssertionError(f"FactError without its place: {error}") from None


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    # RecursionError must surface as a crash, not vanish in a deep stack.
    sys.setrecursionlimit(2000)
    try:
        atheris.Fuzz()
    finally:
        shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
