"""Label Studio JSON tasks (``[{data, annotations | predictions}]``).

Each span is a ``labels`` region on ``text``; its ConText flags are a per-region ``choices``
result with the same region id; the note's CPT and ICD-10-CM codes are ``textarea`` results
(one code per line, so annotators can edit them).  ``data`` carries the text, the note id and
the lesions and other gold fields.  Notes made from our result records are written as
``predictions`` (pre-annotations, with the note confidence as score), gold notes as
``annotations``.  :func:`label_config` is the matching labelling interface.
"""

from __future__ import annotations

import json
from pathlib import Path

from nlp.errors import InputError
from nlp.evaluation.gold import SPAN_FLAGS, GoldNote, GoldSpan

TEXT, LABEL, FLAGS, CPT, ICD = "text", "label", "context", "cpt", "icd10"


def _results(note: GoldNote) -> list[dict]:
    results = []
    for number, span in enumerate(note.spans, start=1):
        region = f"s{number}"
        value = {"start": span.start, "end": span.end, "text": note.text[span.start:span.end]}
        results.append({"id": region, "from_name": LABEL, "to_name": TEXT, "type": "labels", "value": {**value, "labels": [span.label]}})
        chosen = [name for name, on in span.flags().items() if on]
        if chosen:
            results.append({"id": region, "from_name": FLAGS, "to_name": TEXT, "type": "choices", "value": {**value, "choices": chosen}})
    for name, codes in ((CPT, note.cpt), (ICD, note.icd10)):
        results.append({"id": name, "from_name": name, "to_name": TEXT, "type": "textarea", "value": {"text": list(codes)}})
    return results


def to_task(note: GoldNote, *, prediction: dict | None = None) -> dict:
    """One task; ``prediction`` (``{model_version, score}``) writes the results as a pre-annotation."""
    data = {"text": note.text, "note_id": note.id, "lesions": note.lesions, "meta": note.meta}
    if prediction is not None:
        return {"data": data, "predictions": [{**prediction, "result": _results(note)}]}
    return {"data": data, "annotations": [{"result": _results(note)}]}


def from_task(task: dict) -> GoldNote:
    """A gold note from a task: the last non-cancelled annotation, else the first prediction."""
    data = task["data"]
    annotations = [a for a in task.get("annotations", []) if not a.get("was_cancelled")]
    source = annotations[-1] if annotations else (task.get("predictions") or [{"result": []}])[0]
    spans: dict[str, dict] = {}
    flags: dict[str, list[str]] = {}
    codes: dict[str, list[str]] = {CPT: [], ICD: []}
    for result in source.get("result", []):
        value = result.get("value", {})
        if result.get("type") == "labels":
            spans[result["id"]] = {"start": int(value["start"]), "end": int(value["end"]), "label": value["labels"][0]}
        elif result.get("type") == "choices" and result.get("from_name") == FLAGS:
            flags[result["id"]] = list(value.get("choices", []))
        elif result.get("type") == "textarea" and result.get("from_name") in codes:
            codes[result["from_name"]] = [c.strip() for line in value.get("text", []) for c in str(line).split() if c.strip()]
    return GoldNote(
        id=str(data.get("note_id", task.get("id"))), text=data["text"],
        spans=sorted((GoldSpan(s["start"], s["end"], s["label"], **{f: f in flags.get(key, []) for f in SPAN_FLAGS}) for key, s in spans.items()),
                     key=lambda s: (s.start, s.end, s.label)),
        cpt=codes[CPT], icd10=codes[ICD], lesions=list(data.get("lesions", [])), meta=dict(data.get("meta", {})),
    )


def label_config(labels: list[str]) -> str:
    """The Label Studio labelling interface (XML) that matches the tasks written here."""
    label_tags = "\n".join(f'    <Label value="{label}"/>' for label in labels)
    flag_tags = "\n".join(f'    <Choice value="{name}"/>' for name in SPAN_FLAGS)
    return (
        "<View>\n"
        f'  <Labels name="{LABEL}" toName="{TEXT}">\n{label_tags}\n  </Labels>\n'
        f'  <Text name="{TEXT}" value="$text"/>\n'
        f'  <Choices name="{FLAGS}" toName="{TEXT}" perRegion="true" choice="multiple">\n{flag_tags}\n  </Choices>\n'
        f'  <TextArea name="{CPT}" toName="{TEXT}" placeholder="CPT codes, one per line"/>\n'
        f'  <TextArea name="{ICD}" toName="{TEXT}" placeholder="ICD-10-CM codes, one per line"/>\n'
        "</View>\n"
    )


def write_labelstudio(notes: list[GoldNote], path: str | Path, *, predictions: list[dict] | None = None) -> None:
    """Write the tasks and, next to them, ``<name>.config.xml`` with the labelling interface."""
    path = Path(path)
    tasks = [to_task(n, prediction=predictions[i] if predictions else None) for i, n in enumerate(notes)]
    path.write_text(json.dumps(tasks, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    labels = sorted({s.label for n in notes for s in n.spans})
    path.with_name(path.stem + ".config.xml").write_text(label_config(labels), encoding="utf-8")


def read_labelstudio(path: str | Path) -> list[GoldNote]:
    """Read a Label Studio JSON export (a list of tasks)."""
    try:
        tasks = json.loads(Path(path).read_text(encoding="utf-8"))
        if not isinstance(tasks, list):
            raise TypeError("expected a JSON list of tasks")
        return [from_task(task) for task in tasks]
    except (json.JSONDecodeError, KeyError, TypeError, ValueError, IndexError) as exc:
        raise InputError(f"{path}: not a Label Studio task export ({type(exc).__name__}: {exc}); export as JSON from Label Studio") from None
