"""brat standoff: one ``<id>.txt`` + ``<id>.ann`` per note in a folder.

Spans are ``T`` lines; ConText flags are binary ``A`` attributes (``A1\tnegated T3``).  brat has
no document-level fields, so codes, lesions and the other gold fields go to a side file
``opnote_meta.jsonl`` (brat ignores it); ``annotation.conf`` declares the labels and flags.
"""

from __future__ import annotations

import json
from pathlib import Path

from nlp.errors import InputError
from nlp.evaluation.gold import SPAN_FLAGS, GoldNote, GoldSpan

META_FILE = "opnote_meta.jsonl"


def write_brat(notes: list[GoldNote], folder: str | Path) -> None:
    """Write the notes as a brat collection."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    labels: set[str] = set()
    meta_lines = []
    for note in notes:
        (folder / f"{note.id}.txt").write_text(note.text, encoding="utf-8", newline="")
        lines, attribute = [], 0
        for number, span in enumerate(sorted(note.spans, key=lambda s: (s.start, s.end, s.label)), start=1):
            labels.add(span.label)
            lines.append(f"T{number}\t{span.label} {span.start} {span.end}\t{note.text[span.start:span.end]}")
            for name, value in span.flags().items():
                if value:
                    attribute += 1
                    lines.append(f"A{attribute}\t{name} T{number}")
        (folder / f"{note.id}.ann").write_text("".join(line + "\n" for line in lines), encoding="utf-8", newline="")
        meta = {k: v for k, v in note.as_dict().items() if k not in {"text", "spans"}}
        meta_lines.append(json.dumps(meta, ensure_ascii=False))
    (folder / META_FILE).write_text("".join(line + "\n" for line in meta_lines), encoding="utf-8")
    conf = ["[entities]", *sorted(labels), "", "[relations]", "", "[events]", "", "[attributes]",
            *(f"{name}\tArg:<ENTITY>" for name in SPAN_FLAGS)]
    (folder / "annotation.conf").write_text("\n".join(conf) + "\n", encoding="utf-8")


def _parse_ann(path: Path, text: str) -> list[GoldSpan]:
    spans: dict[str, tuple[int, int, str]] = {}
    flags: dict[str, set[str]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        try:
            if line.startswith("T"):
                label, _, offsets = fields[1].partition(" ")
                if ";" in offsets:
                    raise InputError(f"{path}:{number}: discontinuous span; split it into one span per fragment")
                start, end = (int(v) for v in offsets.split())
                if len(fields) > 2 and text[start:end] != fields[2]:
                    raise InputError(f"{path}:{number}: span text does not match the .txt at {start}-{end}; is the .txt the one annotated?")
                spans[fields[0]] = (start, end, label)
            elif line.startswith("A") or line.startswith("M"):
                parts = fields[1].split()
                if len(parts) == 2 or (len(parts) == 3 and parts[2].lower() == "true"):
                    flags.setdefault(parts[1], set()).add(parts[0].lower())
        except (IndexError, ValueError):
            raise InputError(f"{path}:{number}: not a brat standoff line; expected 'T1<TAB>LABEL start end<TAB>text'") from None
    return [
        GoldSpan(start, end, label, **{name: name in flags.get(key, set()) for name in SPAN_FLAGS})
        for key, (start, end, label) in sorted(spans.items(), key=lambda item: (item[1][0], item[1][1], item[1][2]))
    ]


def read_brat(folder: str | Path) -> list[GoldNote]:
    """Read a brat collection (and its ``opnote_meta.jsonl`` when present), in file-name order."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder; brat collections are folders of .txt/.ann pairs")
    meta: dict[str, dict] = {}
    if (folder / META_FILE).is_file():
        for line in (folder / META_FILE).read_text(encoding="utf-8").splitlines():
            if line.strip():
                raw = json.loads(line)
                meta[str(raw["id"])] = raw
    notes = []
    for ann in sorted(folder.glob("*.ann")):
        txt = ann.with_suffix(".txt")
        if not txt.is_file():
            raise InputError(f"{ann}: no matching {txt.name}; brat needs the text next to the annotations")
        text = txt.read_text(encoding="utf-8")
        extra = dict(meta.get(ann.stem, {}))
        extra.pop("id", None)
        notes.append(GoldNote(
            id=ann.stem, text=text, spans=_parse_ann(ann, text), cpt=[str(c) for c in extra.pop("cpt", [])],
            icd10=[str(c) for c in extra.pop("icd10", [])], lesions=list(extra.pop("lesions", [])), meta=extra,
        ))
    if not notes:
        raise InputError(f"{folder}: no .ann files; is this a brat collection?")
    return notes
