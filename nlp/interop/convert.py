"""``opnote convert``: pick the reader and writer, from flags or from the paths."""

from __future__ import annotations

import json
from pathlib import Path

from nlp.errors import InputError
from nlp.evaluation.gold import GoldNote, load_gold, write_gold
from nlp.interop import brat, docbin, labelstudio, prodigy

READ = ("gold", "results", "prodigy", "brat", "labelstudio", "docbin")
WRITE = ("gold", "prodigy", "brat", "labelstudio", "docbin")
BY_SUFFIX = {".spacy": "docbin", ".json": "labelstudio"}


def infer_input(path: Path) -> str:
    """Format of an input: folder -> brat, .spacy -> docbin, .json -> labelstudio; .jsonl is read:
    a line with ``status`` and ``entities`` is a result record, one with ``meta`` and no ``cpt``
    a Prodigy task, anything else gold."""
    if path.is_dir():
        return "brat"
    if path.suffix in BY_SUFFIX:
        return BY_SUFFIX[path.suffix]
    if path.suffix == ".jsonl" and path.is_file():
        with path.open(encoding="utf-8") as handle:
            first = next((line for line in handle if line.strip()), "{}")
        try:
            raw = json.loads(first)
        except json.JSONDecodeError:
            raise InputError(f"{path}: first line is not JSON; give --from") from None
        if "status" in raw and "entities" in raw:
            return "results"
        return "prodigy" if "meta" in raw and "cpt" not in raw else "gold"
    raise InputError(f"{path}: cannot tell the input format; give --from ({', '.join(READ)})")


def infer_output(path: Path) -> str:
    """Format of an output: .spacy -> docbin, .json -> labelstudio, no suffix -> brat folder.
    .jsonl is ambiguous (gold or Prodigy) and needs --to."""
    if path.suffix in BY_SUFFIX:
        return BY_SUFFIX[path.suffix]
    if path.suffix == "" or path.is_dir():
        return "brat"
    raise InputError(f"{path}: cannot tell the output format from '{path.suffix}'; give --to ({', '.join(WRITE)})")


def read(path: Path, fmt: str, notes: Path | None = None) -> tuple[list[GoldNote], list[dict] | None]:
    """Notes, plus Label Studio prediction headers when the input was result records."""
    if fmt == "gold":
        return load_gold(path), None
    if fmt == "prodigy":
        return prodigy.read_prodigy(path), None
    if fmt == "brat":
        return brat.read_brat(path), None
    if fmt == "labelstudio":
        return labelstudio.read_labelstudio(path), None
    if fmt == "docbin":
        return docbin.read_docbin(path), None
    if fmt == "results":
        from nlp.evaluation.inputs import load_records
        from nlp.interop.results import records_to_notes

        if notes is None:
            raise InputError("result records carry no note text; give --notes with the gold/notes JSONL they were made from")
        texts = {}
        for number, line in enumerate(notes.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                try:
                    raw = json.loads(line)
                    texts[str(raw["id"])] = raw["text"]
                except (json.JSONDecodeError, KeyError, TypeError):
                    raise InputError(f"{notes}:{number}: needs 'id' and 'text'") from None
        return records_to_notes(load_records(path), texts)
    raise InputError(f"unknown input format {fmt!r}; use one of {', '.join(READ)}")


def write(items: list[GoldNote], path: Path, fmt: str, predictions: list[dict] | None = None) -> None:
    if fmt == "gold":
        write_gold(items, path)
    elif fmt == "prodigy":
        prodigy.write_prodigy(items, path)
    elif fmt == "brat":
        brat.write_brat(items, path)
    elif fmt == "labelstudio":
        labelstudio.write_labelstudio(items, path, predictions=predictions)
    elif fmt == "docbin":
        docbin.write_docbin(items, path)
    else:
        raise InputError(f"unknown output format {fmt!r}; use one of {', '.join(WRITE)}")


def convert(source: Path, target: Path, *, from_format: str | None = None, to_format: str | None = None,
            notes: Path | None = None) -> tuple[int, str, str]:
    """Read ``source`` and write ``target``; returns (notes, input format, output format)."""
    if not source.exists():
        raise InputError(f"{source}: no such file or folder")
    src = from_format or infer_input(source)
    dst = to_format or infer_output(target)
    items, predictions = read(source, src, notes)
    if target.parent != Path(""):
        target.parent.mkdir(parents=True, exist_ok=True)
    write(items, target, dst, predictions)
    return len(items), src, dst
