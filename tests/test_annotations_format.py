"""Format invariants of the gold annotation files (annotations/dev.jsonl, annotations/test.jsonl).

These checks are written independently of ``annotations/build.py`` (which runs its own, stricter
checks at build time), except for the last test, which rebuilds the files from
``annotations/src/`` and asserts the committed JSONL is identical, so nobody edits the JSONL by hand.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections import Counter
from pathlib import Path

import pytest

ANN = Path(__file__).resolve().parents[1] / "annotations"
SPLITS = ("dev", "test")
CORE_LABELS = {"ANATOMIC_SITE", "LESION_DIAGNOSIS", "EXCISED_DIAMETER", "CLOSURE_TYPE"}
LABELS = CORE_LABELS | {"LESION_SIZE", "MARGIN", "WOUND_LENGTH"}
FLAGS = {"negated", "uncertain", "historical", "family", "hypothetical"}
STYLES = {"ehr_template", "dictation", "terse", "all_caps", "typos", "abbreviations",
          "pathology_addendum", "multi_lesion"}
LESION_KEYS = {"index", "region", "laterality", "eyelid_part", "behaviour", "diagnosis",
               "diagnosis_source", "procedure", "lesion_size_cm", "margin_cm",
               "excised_diameter_cm", "closure", "repair_length_cm", "cpt", "icd10"}
# v4 optional keys: present only when they have a value (annotations/GUIDELINES.md, v4).
OPTIONAL_KEYS = {"lesion_count", "destruction_method", "mohs_stages", "mohs_blocks",
                 "defect_area_sq_cm", "depth", "complicated"}
PROCEDURES = {"excision", "re_excision", "shave", "biopsy_tangential", "biopsy_punch",
              "biopsy_incisional", "skin_tag_removal", "destruction", "mohs",
              "incision_drainage", "soft_tissue_excision"}
EXCISION_LIKE = {"excision", "re_excision", "soft_tissue_excision"}
# Lines billed once per encounter and listed on every lesion they cover (summed repairs,
# skin tags, 17004, 17110/17111, I&D); every other line belongs to one lesion.
ENCOUNTER_CODES = {"11200", "11201", "17004", "17110", "17111", "10060", "10061"}
CPT_RE = re.compile(r"^\d{5}$")
ICD_RE = re.compile(r"^[A-TV-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")
NUM_RE = re.compile(r"^\d+(\.\d+)?$")
EDGE_PUNCT = set(".,;:!?()[]{}\"'`-/\\|")


def load(split: str) -> list[dict]:
    path = ANN / f"{split}.jsonl"
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@pytest.fixture(scope="module")
def splits() -> dict[str, list[dict]]:
    return {s: load(s) for s in SPLITS}


def all_notes(splits):
    for split, notes in splits.items():
        for note in notes:
            yield split, note


@pytest.mark.parametrize("split", SPLITS)
def test_at_least_32_notes(splits, split):
    assert len(splits[split]) >= 32


def test_record_shape(splits):
    for _split, note in all_notes(splits):
        assert set(note) >= {"id", "text", "style", "spans", "cpt", "icd10", "lesions", "tags"}
        assert isinstance(note["text"], str) and note["text"].strip()
        assert note["style"] in STYLES, note["id"]
        assert isinstance(note["tags"], list)
        assert note["lesions"], f"{note['id']}: no lesion record"
        for i, les in enumerate(note["lesions"], 1):
            assert LESION_KEYS <= set(les) <= LESION_KEYS | OPTIONAL_KEYS, note["id"]
            assert all(les[k] is not None for k in set(les) & OPTIONAL_KEYS), note["id"]
            assert les["index"] == i
            assert les["procedure"] in PROCEDURES, note["id"]
            for key in ("lesion_size_cm", "margin_cm", "excised_diameter_cm",
                        "repair_length_cm", "defect_area_sq_cm"):
                assert les.get(key) is None or NUM_RE.match(les[key]), (note["id"], key)
            # an excised diameter exactly for the excision-type procedures
            assert (les["excised_diameter_cm"] is not None) == (
                les["procedure"] in EXCISION_LIKE), note["id"]


def test_offsets_and_span_edges(splits):
    for _split, note in all_notes(splits):
        text = note["text"]
        for span in note["spans"]:
            assert 0 <= span["start"] < span["end"] <= len(text), (note["id"], span)
            frag = text[span["start"]:span["end"]]
            assert frag == frag.strip(), (note["id"], frag)
            assert frag[-1] not in EDGE_PUNCT, (note["id"], frag)
            # a leading decimal point (".5 cm") is part of the number
            assert frag[0] not in EDGE_PUNCT or (frag[0] == "." and frag[1].isdigit()), \
                (note["id"], frag)
            assert not re.match(r"(?i)^(the|a|an)\s", frag), (note["id"], frag)


def test_labels_and_flags(splits):
    for _split, note in all_notes(splits):
        for span in note["spans"]:
            assert span["label"] in LABELS, (note["id"], span)
            extra = set(span) - {"start", "end", "label"}
            assert extra <= FLAGS, (note["id"], extra)
            assert all(span[f] is True for f in extra), (note["id"], span)


def test_spans_sorted_and_disjoint(splits):
    for _split, note in all_notes(splits):
        spans = note["spans"]
        assert spans == sorted(spans, key=lambda s: (s["start"], s["end"]))
        for a, b in zip(spans, spans[1:], strict=False):
            assert a["end"] <= b["start"], (note["id"], a, b)


def test_ids_unique_across_splits(splits):
    ids = Counter(note["id"] for _, note in all_notes(splits))
    assert not [i for i, n in ids.items() if n > 1]
    for split, note in all_notes(splits):
        assert re.match(rf"^{split}-\d{{3,4}}$", note["id"]), note["id"]


def test_no_note_text_shared_across_splits(splits):
    norm = {s: {" ".join(n["text"].lower().split()) for n in notes}
            for s, notes in splits.items()}
    assert not norm["dev"] & norm["test"]
    for s, notes in splits.items():
        assert len(norm[s]) == len(notes), f"duplicate text inside {s}"


@pytest.mark.parametrize("split", SPLITS)
def test_every_core_label_present(splits, split):
    labels = {span["label"] for note in splits[split] for span in note["spans"]}
    assert CORE_LABELS <= labels, CORE_LABELS - labels


def test_code_shapes(splits):
    for _split, note in all_notes(splits):
        for code in note["cpt"] + [c for les in note["lesions"] for c in les["cpt"]]:
            assert CPT_RE.match(code), (note["id"], code)
        for code in note["icd10"] + [c for les in note["lesions"] for c in les["icd10"]]:
            assert ICD_RE.match(code), (note["id"], code)
        assert len(set(note["icd10"])) == len(note["icd10"])


def test_cpt_multiset_is_union_of_lesion_lines(splits):
    """A lesion's own lines add up over lesions; a per-encounter line (summed repair, skin
    tags, 17004, 17110/17111, I&D) is listed on every lesion it covers but appears once (per
    unit) on the note."""
    for _split, note in all_notes(splits):
        own, shared = Counter(), Counter()
        for les in note["lesions"]:
            lines = Counter(les["cpt"])
            is_shared = {c: c[:2] in ("12", "13") or c in ENCOUNTER_CODES for c in lines}
            own.update({c: n for c, n in lines.items() if not is_shared[c]})
            shared |= Counter({c: n for c, n in lines.items() if is_shared[c]})
        assert own + shared == Counter(note["cpt"]), note["id"]


def test_icd_set_is_union_of_lesion_codes(splits):
    for _split, note in all_notes(splits):
        union = {c for les in note["lesions"] for c in les["icd10"]}
        assert union == set(note["icd10"]), note["id"]


def test_jsonl_matches_source_build(splits):
    """The JSONL files are generated: rebuilding from annotations/src must give the same records."""
    spec = importlib.util.spec_from_file_location("annotations_build", ANN / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    for split in SPLITS:
        rebuilt = []
        for src in build.source_files(split):      # src/<split>.md plus e.g. src/dev_extra.md
            for note in build.parse_source(src):
                rec = build.build_record(note)
                assert not build.check_record(rec, note["meta"], note["marked"]), rec["id"]
                rebuilt.append(rec)
        assert rebuilt == splits[split], f"{split}.jsonl is stale: run annotations/build.py"
