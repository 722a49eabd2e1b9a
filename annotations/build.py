#!/usr/bin/env python
"""Build the gold files ``annotations/{dev,test}.jsonl`` from ``annotations/src/{dev,test}.md``.

The dev split also reads ``annotations/src/dev_extra.md`` and then
``annotations/src/dev_extra2.md`` (``EXTRA_SOURCES``), appended after ``dev.md``.

Source format (one block per note)::

    ### dev-001
    style: ehr_template
    tags: [boundary, mm]
    cpt: [11440]
    icd10: [D22.39]
    lesions:
      - {index: 1, region: nose, laterality: left, ...}
    ---
    Note text with inline markup: [left nasal ala]{SITE} ... [melanoma]{DX|neg}

Markup is ``[surface text]{LABEL}`` or ``[surface text]{LABEL|flag|flag}``. Labels may be
written short (SITE, DX, EXD, CLOSURE, SIZE, MARGIN, WOUND) or in full; flags are neg, unc,
hist, fam, hyp (or the full names). The build strips the markup, computes character offsets,
and runs every check listed in ``README.md``. Any failure stops the build with a non-zero
exit code and nothing is written.

The code check is independent of the hand-written codes: it recomputes each lesion's excision
line from (behaviour, region, lesion size, margin), the repair lines from (closure, region,
repair length) summed per class and repair group across the note, and the ICD-10-CM code from
(diagnosis, region, laterality, eyelid part), and compares the results with the hand codes.

Usage::

    /work/venv/bin/python annotations/build.py            # build both splits
    /work/venv/bin/python annotations/build.py --check    # check only, write nothing
    /work/venv/bin/python annotations/build.py --stats    # print the count tables
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections import Counter
from decimal import Decimal as D
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
SPLITS = ("dev", "test")
# Further source files read into a split after src/<split>.md (same markup, ids must not clash).
EXTRA_SOURCES = {"dev": ("dev_extra.md", "dev_extra2.md")}


def source_files(split: str) -> list[Path]:
    """src/<split>.md, then any extra source files of that split that exist."""
    extra = [SRC / name for name in EXTRA_SOURCES.get(split, ())]
    return [SRC / f"{split}.md"] + [p for p in extra if p.exists()]

# --------------------------------------------------------------------------------------------
# Vocabularies
# --------------------------------------------------------------------------------------------

CORE_LABELS = ("ANATOMIC_SITE", "LESION_DIAGNOSIS", "EXCISED_DIAMETER", "CLOSURE_TYPE")
SUPPORT_LABELS = ("LESION_SIZE", "MARGIN", "WOUND_LENGTH")
LABELS = CORE_LABELS + SUPPORT_LABELS
SHORT_LABELS = {
    "SITE": "ANATOMIC_SITE",
    "DX": "LESION_DIAGNOSIS",
    "EXD": "EXCISED_DIAMETER",
    "CLOSURE": "CLOSURE_TYPE",
    "SIZE": "LESION_SIZE",
    "MARGIN": "MARGIN",
    "WOUND": "WOUND_LENGTH",
}
FLAGS = ("negated", "uncertain", "historical", "family", "hypothetical")
SHORT_FLAGS = {"neg": "negated", "unc": "uncertain", "hist": "historical", "fam": "family",
               "hyp": "hypothetical"}
# Which flags each label may carry (GUIDELINES.md, "Flags").
FLAGS_BY_LABEL = {
    "ANATOMIC_SITE": {"historical", "family", "hypothetical"},
    "LESION_DIAGNOSIS": set(FLAGS),
    "CLOSURE_TYPE": {"negated", "hypothetical"},
    "EXCISED_DIAMETER": set(),
    "LESION_SIZE": set(),
    "MARGIN": set(),
    "WOUND_LENGTH": set(),
}
MEASURE_LABELS = ("EXCISED_DIAMETER", "LESION_SIZE", "MARGIN", "WOUND_LENGTH")

STYLES = ("ehr_template", "dictation", "terse", "all_caps", "typos", "abbreviations",
          "pathology_addendum", "multi_lesion")

REGIONS = ("forehead", "temple", "brow", "glabella", "cheek", "chin", "jaw", "face", "nose", "ear",
           "eyelid", "lip", "mucosa", "scalp", "neck", "hand", "finger", "foot", "toe",
           "genitalia", "chest", "breast", "back", "abdomen", "flank", "buttock", "trunk",
           "shoulder", "axilla", "groin", "perianal", "hip", "arm", "elbow", "forearm", "wrist",
           "thigh", "knee", "leg", "ankle")
LATERALITIES = ("left", "right", "bilateral", "midline", None)
EYELID_PARTS = ("upper", "lower", None)
BEHAVIOURS = ("benign", "malignant", "uncertain", "unknown")
DIAGNOSES = ("melanocytic_nevus", "dysplastic_nevus", "seborrheic_keratosis",
             "irritated_seborrheic_keratosis", "dermatofibroma", "benign_adnexal_neoplasm",
             "epidermoid_cyst", "pilar_cyst", "sebaceous_cyst", "cyst", "lipoma",
             "pyogenic_granuloma", "hemangioma", "actinic_keratosis", "keratoacanthoma", "bcc",
             "scc", "scc_in_situ", "melanoma", "melanoma_in_situ")
MALIGNANT_DX = {"bcc", "scc", "scc_in_situ", "melanoma", "melanoma_in_situ"}
SOURCES = ("pathology", "postoperative", "preoperative")
CLOSURES = ("simple", "intermediate", "complex", "none")
LESION_KEYS = ("index", "region", "laterality", "eyelid_part", "behaviour", "diagnosis",
               "diagnosis_source", "procedure", "lesion_size_cm", "margin_cm",
               "excised_diameter_cm", "closure", "repair_length_cm", "cpt", "icd10")
NOTE_KEYS = ("style", "tags", "cpt", "icd10", "lesions")

# --------------------------------------------------------------------------------------------
# Independent code checker (coding-rules.md sections 1, 2, 4, 5)
# --------------------------------------------------------------------------------------------

# Excision site groups (section 1.1): face/ears/eyelids/nose/lips/mucosa; scalp/neck/hands/
# feet/genitalia; trunk/arms/legs (axilla, groin, perianal by common practice).
EXC_FACE = {"forehead", "temple", "brow", "glabella", "cheek", "chin", "jaw", "face", "nose",
            "ear", "eyelid", "lip", "mucosa"}
EXC_SNHFG = {"scalp", "neck", "hand", "finger", "foot", "toe", "genitalia"}
EXC_TAL = set(REGIONS) - EXC_FACE - EXC_SNHFG
EXC_BASE = {("benign", "TAL"): 11400, ("benign", "SNHFG"): 11420, ("benign", "FACE"): 11440,
            ("malignant", "TAL"): 11600, ("malignant", "SNHFG"): 11620,
            ("malignant", "FACE"): 11640}
EXC_BANDS = ((D("0.5"), 0), (D("1.0"), 1), (D("2.0"), 2), (D("3.0"), 3), (D("4.0"), 4))

# Intermediate repair groups (section 4.2).
INT_FACE = EXC_FACE
INT_NHFG = {"neck", "hand", "finger", "foot", "toe", "genitalia"}
INT_SATE = set(REGIONS) - INT_FACE - INT_NHFG          # scalp, axillae, trunk, extremities
INT_BANDS = {
    "SATE": ((D("2.5"), 12031), (D("7.5"), 12032), (D("12.5"), 12034), (D("20.0"), 12035),
             (D("30.0"), 12036), (None, 12037)),
    "NHFG": ((D("2.5"), 12041), (D("7.5"), 12042), (D("12.5"), 12044), (D("20.0"), 12045),
             (D("30.0"), 12046), (None, 12047)),
    "FACE": ((D("2.5"), 12051), (D("5.0"), 12052), (D("7.5"), 12053), (D("12.5"), 12054),
             (D("20.0"), 12055), (D("30.0"), 12056), (None, 12057)),
}
# Complex repair groups (section 4.2). Groin/perianal/mucosa are not placed: using them with a
# complex repair is an error (decide and document first).
CPX_TRUNK = {"chest", "breast", "back", "abdomen", "flank", "buttock", "trunk"}
CPX_SAL = {"scalp", "shoulder", "arm", "elbow", "forearm", "wrist", "hip", "thigh", "knee",
           "leg", "ankle"}
CPX_FCC = {"forehead", "temple", "brow", "glabella", "cheek", "chin", "jaw", "face", "neck",
           "axilla", "genitalia", "hand", "finger", "foot", "toe"}
CPX_ENEL = {"eyelid", "nose", "ear", "lip"}
CPX_CODES = {"TRUNK": (13100, 13101, 13102), "SAL": (13120, 13121, 13122),
             "FCC": (13131, 13132, 13133), "ENEL": (13151, 13152, 13153)}


def excision_group(region: str) -> str:
    if region in EXC_FACE:
        return "FACE"
    if region in EXC_SNHFG:
        return "SNHFG"
    return "TAL"


def excision_code(behaviour: str, region: str, diameter: D) -> str | None:
    """One excision line, or None when pathology is pending (behaviour unknown)."""
    if behaviour == "unknown":
        return None
    family = "malignant" if behaviour == "malignant" else "benign"  # uncertain -> benign codes
    if region == "mucosa" and family == "malignant":
        raise ValueError("malignant mucosa lesion: site-specific code, not in this gold set")
    digit = next((dg for ub, dg in EXC_BANDS if diameter <= ub), 6)
    return str(EXC_BASE[(family, excision_group(region))] + digit)


def repair_key(closure: str, region: str, length: D) -> tuple[str, str] | None:
    """(class, group) of a repair, or None when the closure is included in the excision."""
    if closure in ("simple", "none"):
        return None
    if closure == "complex" and length <= D("1.0"):
        closure = "intermediate"                        # section 4.1: no complex code <= 1.0 cm
    if closure == "intermediate":
        group = "FACE" if region in INT_FACE else "NHFG" if region in INT_NHFG else "SATE"
        return ("intermediate", group)
    for group, members in (("TRUNK", CPX_TRUNK), ("SAL", CPX_SAL), ("FCC", CPX_FCC),
                           ("ENEL", CPX_ENEL)):
        if region in members:
            return ("complex", group)
    raise ValueError(f"no complex-repair group decided for region {region!r}")


def repair_lines(key: tuple[str, str], total: D) -> list[str]:
    cls, group = key
    if cls == "intermediate":
        for ub, code in INT_BANDS[group]:
            if ub is None or total <= ub:
                return [str(code)]
    c1, c2, addon = CPX_CODES[group]
    if total <= D("2.5"):
        return [str(c1)]
    if total <= D("7.5"):
        return [str(c2)]
    return [str(c2)] + [str(addon)] * math.ceil((total - D("7.5")) / D("5.0"))


def icd_site(region: str) -> str:
    if region in ("lip", "eyelid", "ear", "nose"):
        return region
    if region in ("forehead", "temple", "brow", "glabella", "cheek", "chin", "jaw"):
        return "face_other"
    if region == "face":
        return "face_unspecified"
    if region in ("scalp", "neck"):
        return "scalp_neck"
    if region == "perianal":
        return "trunk_anal"
    if region == "breast":
        return "trunk_breast"
    if region in ("chest", "back", "abdomen", "flank", "buttock", "trunk", "axilla", "groin"):
        return "trunk_other"
    if region in ("shoulder", "arm", "elbow", "forearm", "wrist", "hand", "finger"):
        return "upper_limb"
    if region in ("hip", "thigh", "knee", "leg", "ankle", "foot", "toe"):
        return "lower_limb"
    raise ValueError(f"no ICD-10-CM skin site for region {region!r}")


def _side_d(lat: str | None) -> str:        # D22/D23/D03/D04/C43: 1 right, 2 left, 0 unspecified
    return {"right": "1", "left": "2"}.get(lat or "", "0")


def _side_c44(lat: str | None) -> str:      # C44: 2 right, 9 left, 1 unspecified
    return {"right": "2", "left": "9"}.get(lat or "", "1")


def _part(part: str | None) -> str:
    if part not in ("upper", "lower"):
        raise ValueError("eyelid lesion needs eyelid_part upper/lower for a leaf code")
    return "1" if part == "upper" else "2"


def icd_code(les: dict) -> str:
    dx, region, lat = les["diagnosis"], les["region"], les["laterality"]
    if dx is None:
        if les["behaviour"] != "unknown":
            raise ValueError("diagnosis null is only allowed with behaviour unknown")
        return "L98.9"                                   # pending, uncertain: skin lesion NOS
    simple = {"seborrheic_keratosis": "L82.1", "irritated_seborrheic_keratosis": "L82.0",
              "epidermoid_cyst": "L72.0", "pilar_cyst": "L72.11", "sebaceous_cyst": "L72.3",
              "cyst": "L72.9", "pyogenic_granuloma": "L98.0", "hemangioma": "D18.01",
              "actinic_keratosis": "L57.0", "keratoacanthoma": "L85.8"}
    if dx in simple:
        return simple[dx]
    if region == "genitalia":
        raise ValueError("neoplasm of genital skin: not a D22/D23/C44 code (reference 5.2)")
    site = icd_site(region)
    if dx == "lipoma":
        if site in ("lip", "eyelid", "ear", "nose", "face_other", "face_unspecified",
                    "scalp_neck"):
            return "D17.0"
        if site.startswith("trunk"):
            return "D17.1"
        side = {"right": 0, "left": 1}.get(lat or "")
        if side is None:
            return "D17.20"
        return f"D17.2{(1 if site == 'upper_limb' else 3) + side}"
    if dx in ("bcc", "scc"):
        h = "1" if dx == "bcc" else "2"
        if site == "eyelid":
            return f"C44.1{h}{_side_c44(lat)}" + (_part(les["eyelid_part"])
                                                  if lat in ("left", "right") else "")
        return {
            "lip": f"C44.0{h}",
            "ear": f"C44.2{h}{_side_c44(lat)}",
            "nose": f"C44.3{h}1",
            "face_other": f"C44.3{h}9",
            "face_unspecified": f"C44.3{h}0",
            "scalp_neck": f"C44.4{h}",
            "trunk_anal": f"C44.5{h}0",
            "trunk_breast": f"C44.5{h}1",
            "trunk_other": f"C44.5{h}9",
            "upper_limb": f"C44.6{h}{_side_c44(lat)}",
            "lower_limb": f"C44.7{h}{_side_c44(lat)}",
        }[site]
    cat = {"melanocytic_nevus": "D22", "dysplastic_nevus": "D22", "dermatofibroma": "D23",
           "benign_adnexal_neoplasm": "D23", "melanoma_in_situ": "D03", "scc_in_situ": "D04",
           "melanoma": "C43"}[dx]
    if site == "lip":
        return f"{cat}.0"
    if site == "eyelid":
        if lat not in ("left", "right"):
            return f"{cat}.10"
        return f"{cat}.1{_side_d(lat)}{_part(les['eyelid_part'])}"
    if site == "ear":
        return f"{cat}.2{_side_d(lat)}"
    if site == "nose":
        return f"{cat}.31" if cat == "C43" else f"{cat}.39"
    if site == "face_other":
        return f"{cat}.39"
    if site == "face_unspecified":
        return f"{cat}.30"
    if site == "scalp_neck":
        return f"{cat}.4"
    if site.startswith("trunk"):
        if cat in ("D22", "D23", "D04"):
            return f"{cat}.5"
        return f"{cat}.5" + {"trunk_anal": "1", "trunk_breast": "2", "trunk_other": "9"}[site]
    if site == "upper_limb":
        return f"{cat}.6{_side_d(lat)}"
    return f"{cat}.7{_side_d(lat)}"


def expected_codes(lesions: list[dict]) -> tuple[list[list[str]], Counter]:
    """Per-lesion CPT lines and the note's CPT multiset, recomputed from the lesion fields."""
    per_lesion: list[list[str]] = []
    totals: dict[tuple[str, str], D] = {}
    members: dict[tuple[str, str], list[int]] = {}
    for i, les in enumerate(lesions):
        lines = []
        code = excision_code(les["behaviour"], les["region"], dec(les["excised_diameter_cm"]))
        if code:
            lines.append(code)
        per_lesion.append(lines)
        if les["closure"] in ("intermediate", "complex"):
            length = dec(les["repair_length_cm"])
            key = repair_key(les["closure"], les["region"], length)
            totals[key] = totals.get(key, D("0")) + length
            members.setdefault(key, []).append(i)
    note = Counter(code for lines in per_lesion for code in lines)
    for key, total in totals.items():
        lines = repair_lines(key, total)
        note.update(lines)
        for i in members[key]:
            per_lesion[i].extend(lines)
    return per_lesion, note


def add_up(lesions: list[dict]) -> Counter:
    """How per-lesion lines add up to the note: excision lines are summed over lesions; a
    repair line shared by several lesions (summed repair) is counted once (multiset union)."""
    exc: Counter = Counter()
    rep: Counter = Counter()
    for les in lesions:
        c = Counter(les["cpt"])
        exc.update({k: v for k, v in c.items() if k.startswith("11")})
        rep |= Counter({k: v for k, v in c.items() if not k.startswith("11")})
    return exc + rep


# --------------------------------------------------------------------------------------------
# Measurements
# --------------------------------------------------------------------------------------------

WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15,
                "twenty": 20}
NUM = r"(?:\d+(?:\.\d+)?|\.\d+)"
MEASURE_RE = re.compile(
    rf"^(?P<a>{NUM})(?:\s*(?:x|X|×)\s*(?P<b>{NUM}))?(?:\s*(?:x|X|×)\s*(?P<c>{NUM}))?"
    rf"(?:\s*(?:-|–|to)\s*(?P<hi>{NUM}))?\s*-?(?P<unit>mm|cm|MM|CM)$")   # "2-mm", "5.2-cm"
WORD_RE = re.compile(r"^(?P<w>[A-Za-z]+)\s+(?P<unit>millimeters?|centimeters?|MILLIMETERS?|"
                     r"CENTIMETERS?)$")


def dec(value) -> D:
    return D(str(value))


def measure_cm(text: str) -> tuple[D, D]:
    """(smallest, greatest) value in cm of a measurement span: dimensions -> greatest is the
    lesion size, ranges -> smallest is the narrowest margin."""
    m = MEASURE_RE.match(text)
    if m:
        nums = [D(m.group(g)) for g in ("a", "b", "c", "hi") if m.group(g)]
        factor = D("0.1") if m.group("unit").lower() == "mm" else D("1")
        vals = [n * factor for n in nums]
        return min(vals), max(vals)
    m = WORD_RE.match(text)
    if m and m.group("w").lower() in WORD_NUMBERS:
        n = D(WORD_NUMBERS[m.group("w").lower()])
        factor = D("0.1") if m.group("unit").lower().startswith("milli") else D("1")
        return n * factor, n * factor
    raise ValueError(f"cannot read measurement span {text!r}")


# --------------------------------------------------------------------------------------------
# Source parsing
# --------------------------------------------------------------------------------------------

MARKUP_RE = re.compile(r"\[([^\[\]\n]+)\]\{([A-Za-z_]+)((?:\|[a-z]+)*)\}")
HEADER_RE = re.compile(r"^### (\S+)\s*$")
ID_RE = re.compile(r"^(dev|test)-\d{3}$")
CPT_RE = re.compile(r"^\d{5}$")
ICD_RE = re.compile(r"^[A-TV-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")
# Category headers that are not billable leaves (reference 5.1/5.6); a hand code equal to one
# of these fails even before the recomputation.
ICD_HEADERS = {"D22.1", "D22.11", "D22.12", "D22.2", "D22.3", "D22.6", "D22.7", "D23.1",
               "D23.11", "D23.12", "D23.2", "D23.3", "D23.6", "D23.7", "D03.1", "D03.5",
               "D04.1", "C43.1", "C43.5", "C44.1", "C44.11", "C44.112", "C44.119", "C44.12",
               "C44.122", "C44.129", "C44.2", "C44.21", "C44.22", "C44.3", "C44.31", "C44.32",
               "C44.4", "C44.5", "C44.51", "C44.52", "C44.6", "C44.61", "C44.62", "C44.7",
               "C44.71", "C44.72", "D17.2", "D18.0", "L72.1", "L82", "L72"}
PUNCT = set(".,;:!?()[]{}\"'`-/\\|*&%$#@~")


def strip_markup(marked: str) -> tuple[str, list[dict]]:
    out: list[str] = []
    spans: list[dict] = []
    pos = 0
    length = 0
    for m in MARKUP_RE.finditer(marked):
        before = marked[pos:m.start()]
        out.append(before)
        length += len(before)
        surface, label, flags = m.group(1), m.group(2), m.group(3)
        label = SHORT_LABELS.get(label, label)
        span = {"start": length, "end": length + len(surface), "label": label}
        for f in (x for x in flags.split("|") if x):
            span[SHORT_FLAGS.get(f, f)] = True
        spans.append(span)
        out.append(surface)
        length += len(surface)
        pos = m.end()
    out.append(marked[pos:])
    return "".join(out), spans


def parse_source(path: Path) -> list[dict]:
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[tuple[str, list[str]]] = []
    for line in lines:
        m = HEADER_RE.match(line)
        if m:
            blocks.append((m.group(1), []))
        elif blocks:
            blocks[-1][1].append(line)
    notes = []
    for note_id, body in blocks:
        try:
            sep = body.index("---")
        except ValueError:
            raise SystemExit(f"{path.name}: {note_id}: no '---' line between header and text")
        meta = yaml.safe_load("\n".join(body[:sep])) or {}
        marked = "\n".join(body[sep + 1:]).strip("\n")
        text, spans = strip_markup(marked)
        notes.append({"id": note_id, "meta": meta, "marked": marked, "text": text,
                      "spans": spans})
    return notes


def norm_codes(values) -> list[str]:
    return [str(v) for v in (values or [])]


def norm_num(value):
    if value is None:
        return None
    return str(dec(value))


def build_record(note: dict) -> dict:
    meta = note["meta"]
    lesions = []
    for les in meta.get("lesions") or []:
        rec = {k: les.get(k) for k in LESION_KEYS}
        rec["procedure"] = rec["procedure"] or "excision"
        for k in ("lesion_size_cm", "margin_cm", "excised_diameter_cm", "repair_length_cm"):
            rec[k] = norm_num(rec[k])
        rec["cpt"] = norm_codes(rec["cpt"])
        rec["icd10"] = norm_codes(rec["icd10"])
        lesions.append(rec)
    spans = sorted(note["spans"], key=lambda s: (s["start"], s["end"]))
    return {"id": note["id"], "text": note["text"], "style": meta.get("style"),
            "spans": spans, "cpt": norm_codes(meta.get("cpt")),
            "icd10": norm_codes(meta.get("icd10")), "lesions": lesions,
            "tags": [str(t) for t in meta.get("tags") or []]}


# --------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------

def check_record(rec: dict, meta: dict, marked: str) -> list[str]:
    errs: list[str] = []
    text = rec["text"]
    unknown = set(meta) - set(NOTE_KEYS)
    if unknown:
        errs.append(f"unknown header keys {sorted(unknown)}")
    if not ID_RE.match(rec["id"]):
        errs.append("id must look like dev-001 / test-001")
    if rec["style"] not in STYLES:
        errs.append(f"style {rec['style']!r} not allowed")
    # leftover markup characters mean a malformed span
    for ch in "[]{}":
        if ch in text:
            errs.append(f"stray {ch!r} in text (malformed markup?)")
    # spans
    for s in rec["spans"]:
        frag = text[s["start"]:s["end"]]
        where = f"span {frag!r}@{s['start']}"
        if s["label"] not in LABELS:
            errs.append(f"{where}: label {s['label']} not allowed")
            continue
        if not frag or frag != frag.strip():
            errs.append(f"{where}: starts/ends with whitespace")
        if frag and frag[-1] in PUNCT:
            errs.append(f"{where}: ends with punctuation")
        if frag and frag[0] in PUNCT and not (frag[0] == "." and frag[1:2].isdigit()):
            errs.append(f"{where}: starts with punctuation")
        low = frag.lower()
        if re.match(r"^(the|a|an|skin of|area of)\b", low):
            errs.append(f"{where}: starts with a determiner or 'skin of'/'area of'")
        if "," in frag or ";" in frag:
            errs.append(f"{where}: spans never cross a comma or semicolon")
        for f in FLAGS:
            if f in s and s[f] is not True:
                errs.append(f"{where}: flag {f} must be true when present")
        flags = {f for f in FLAGS if s.get(f)}
        extra = set(s) - {"start", "end", "label"} - set(FLAGS)
        if extra:
            errs.append(f"{where}: unknown span keys/flags {sorted(extra)}")
        if flags - FLAGS_BY_LABEL[s["label"]]:
            errs.append(f"{where}: flags {sorted(flags)} not allowed on {s['label']}")
        if "negated" in flags and len(flags) > 1:
            errs.append(f"{where}: a negated mention carries no other flag")
        if s["label"] in MEASURE_LABELS:
            try:
                measure_cm(frag)
            except ValueError as exc:
                errs.append(f"{where}: {exc}")
    # overlapping spans
    ordered = sorted(rec["spans"], key=lambda s: (s["start"], s["end"]))
    for a, b in zip(ordered, ordered[1:]):
        if b["start"] < a["end"]:
            errs.append(f"overlapping spans at {a['start']} and {b['start']}")
    # codes
    for c in rec["cpt"]:
        if not CPT_RE.match(c):
            errs.append(f"CPT {c!r} is not 5 digits")
    for c in rec["icd10"]:
        if not ICD_RE.match(c) or c in ICD_HEADERS:
            errs.append(f"ICD-10-CM {c!r} is not a leaf code")
    if len(set(rec["icd10"])) != len(rec["icd10"]):
        errs.append("icd10 must be a set (no repeats)")
    lesions = rec["lesions"]
    if not lesions:
        errs.append("note has no lesion record")
    for n, les in enumerate(lesions, 1):
        errs.extend(f"lesion {n}: {e}" for e in check_lesion(les, n))
    if errs:
        return errs
    # per-lesion lines add up to the note multiset
    if add_up(lesions) != Counter(rec["cpt"]):
        errs.append(f"per-lesion CPT lines {dict(add_up(lesions))} do not add up to note cpt "
                    f"{dict(Counter(rec['cpt']))}")
    union_icd = []
    for les in lesions:
        for c in les["icd10"]:
            if c not in union_icd:
                union_icd.append(c)
    if set(union_icd) != set(rec["icd10"]):
        errs.append(f"note icd10 {rec['icd10']} != union of lesion icd10 {union_icd}")
    # independent recomputation
    try:
        exp_lesion, exp_note = expected_codes(lesions)
        for les, exp in zip(lesions, exp_lesion):
            if Counter(les["cpt"]) != Counter(exp):
                errs.append(f"lesion {les['index']}: hand CPT {les['cpt']} != recomputed {exp}")
            icd = icd_code(les)
            if les["icd10"] != [icd]:
                errs.append(f"lesion {les['index']}: hand ICD {les['icd10']} != recomputed "
                            f"[{icd}]")
        if exp_note != Counter(rec["cpt"]):
            errs.append(f"note CPT {sorted(rec['cpt'])} != recomputed "
                        f"{sorted(exp_note.elements())}")
    except ValueError as exc:
        errs.append(f"code recomputation failed: {exc}")
    errs.extend(check_text_vs_record(rec))
    return errs


def check_lesion(les: dict, n: int) -> list[str]:
    errs = []
    if les["index"] != n:
        errs.append(f"index {les['index']} should be {n}")
    if les["region"] not in REGIONS:
        errs.append(f"region {les['region']!r} not allowed")
    if les["laterality"] not in LATERALITIES:
        errs.append(f"laterality {les['laterality']!r} not allowed")
    if les["eyelid_part"] not in EYELID_PARTS:
        errs.append(f"eyelid_part {les['eyelid_part']!r} not allowed")
    if les["region"] != "eyelid" and les["eyelid_part"] is not None:
        errs.append("eyelid_part only for eyelids")
    if les["behaviour"] not in BEHAVIOURS:
        errs.append(f"behaviour {les['behaviour']!r} not allowed")
    if les["diagnosis"] is not None and les["diagnosis"] not in DIAGNOSES:
        errs.append(f"diagnosis {les['diagnosis']!r} not allowed")
    if les["diagnosis_source"] not in SOURCES:
        errs.append(f"diagnosis_source {les['diagnosis_source']!r} not allowed")
    if les["procedure"] != "excision":
        errs.append("procedure must be 'excision' in this gold set")
    if les["closure"] not in CLOSURES:
        errs.append(f"closure {les['closure']!r} not allowed")
    # behaviour follows the diagnosis
    if les["behaviour"] == "unknown":
        if les["diagnosis"] is not None:
            errs.append("behaviour unknown (pending) must have diagnosis null")
    elif les["diagnosis"] is None:
        errs.append("diagnosis null only when behaviour is unknown")
    elif les["behaviour"] == "malignant" and les["diagnosis"] not in MALIGNANT_DX:
        errs.append("malignant behaviour with a benign diagnosis")
    elif les["behaviour"] != "malignant" and les["diagnosis"] in MALIGNANT_DX:
        errs.append("malignant diagnosis with non-malignant behaviour")
    # numbers
    try:
        size = dec(les["lesion_size_cm"]) if les["lesion_size_cm"] is not None else None
        margin = dec(les["margin_cm"]) if les["margin_cm"] is not None else None
        diam = dec(les["excised_diameter_cm"])
    except Exception:                                    # noqa: BLE001 - report and go on
        return errs + ["numbers must be decimal strings (excised_diameter_cm required)"]
    if size is not None:
        expected = size + 2 * margin if margin is not None else size
        if diam != expected:
            errs.append(f"excised diameter {diam} != size {size} + 2 x margin {margin}")
    elif margin is not None:
        errs.append("margin given without lesion size")
    if les["closure"] in ("intermediate", "complex"):
        if les["repair_length_cm"] is None:
            errs.append("intermediate/complex closure needs repair_length_cm")
    elif les["repair_length_cm"] is not None:
        errs.append("repair_length_cm only for intermediate/complex closures")
    for c in les["cpt"]:
        if not CPT_RE.match(c):
            errs.append(f"CPT {c!r} is not 5 digits")
    for c in les["icd10"]:
        if not ICD_RE.match(c) or c in ICD_HEADERS:
            errs.append(f"ICD-10-CM {c!r} is not a leaf code")
    return errs


def check_text_vs_record(rec: dict) -> list[str]:
    """Measurement spans and lesion numbers must agree with each other."""
    errs = []
    text = rec["text"]
    vals: dict[str, list[tuple[D, D]]] = {lab: [] for lab in MEASURE_LABELS}
    for s in rec["spans"]:
        if s["label"] in MEASURE_LABELS:
            vals[s["label"]].append(measure_cm(text[s["start"]:s["end"]]))
    tags = set(rec["tags"])
    sizes = {dec(l["lesion_size_cm"]) for l in rec["lesions"] if l["lesion_size_cm"]}
    margins = {dec(l["margin_cm"]) for l in rec["lesions"] if l["margin_cm"]}
    wounds = {dec(l["repair_length_cm"]) for l in rec["lesions"] if l["repair_length_cm"]}
    diams = {dec(l["excised_diameter_cm"]) for l in rec["lesions"]}
    # every span value belongs to a lesion field ...
    for lo, hi in vals["LESION_SIZE"]:
        if hi not in sizes:
            errs.append(f"LESION_SIZE span {hi} cm matches no lesion_size_cm {sorted(sizes)}")
    for lo, hi in vals["MARGIN"]:
        if lo not in margins:
            errs.append(f"MARGIN span {lo} cm matches no margin_cm {sorted(margins)}")
    for lo, hi in vals["WOUND_LENGTH"]:
        if hi not in wounds:
            errs.append(f"WOUND_LENGTH span {hi} cm matches no repair_length_cm")
    for lo, hi in vals["EXCISED_DIAMETER"]:
        if hi not in diams:
            errs.append(f"EXCISED_DIAMETER span {hi} cm matches no excised_diameter_cm")
    # ... and every documented lesion field has a span
    for les in rec["lesions"]:
        i = les["index"]
        if les["lesion_size_cm"] and "size_from_pathology" not in tags:
            if dec(les["lesion_size_cm"]) not in {hi for _, hi in vals["LESION_SIZE"]}:
                errs.append(f"lesion {i}: lesion_size_cm has no LESION_SIZE span")
        if "size_from_pathology" in tags and vals["LESION_SIZE"]:
            errs.append("size_from_pathology note must not carry LESION_SIZE spans")
        if les["margin_cm"] and dec(les["margin_cm"]) not in {lo for lo, _ in vals["MARGIN"]}:
            errs.append(f"lesion {i}: margin_cm has no MARGIN span")
        if les["repair_length_cm"] and dec(les["repair_length_cm"]) not in {
                hi for _, hi in vals["WOUND_LENGTH"]}:
            errs.append(f"lesion {i}: repair_length_cm has no WOUND_LENGTH span")
        if les["lesion_size_cm"] is None and not vals["EXCISED_DIAMETER"]:
            errs.append(f"lesion {i}: no lesion size and no EXCISED_DIAMETER span")
    if vals["EXCISED_DIAMETER"] and "explicit_excised_diameter" not in tags:
        errs.append("EXCISED_DIAMETER span present: tag the note explicit_excised_diameter")
    labels = {s["label"] for s in rec["spans"]}
    for need in ("ANATOMIC_SITE", "LESION_DIAGNOSIS"):
        if need not in labels:
            errs.append(f"note has no {need} span")
    if any(l["closure"] in ("intermediate", "complex", "simple") for l in rec["lesions"]) \
            and "CLOSURE_TYPE" not in labels:
        errs.append("closure documented in the record but no CLOSURE_TYPE span")
    flag_tags = {"negated": "negation", "uncertain": "uncertain", "historical": "history",
                 "family": "family", "hypothetical": "hypothetical"}
    for flag, tag in flag_tags.items():
        has = any(s.get(flag) for s in rec["spans"])
        if has != (tag in tags):
            errs.append(f"tag {tag!r} must be present exactly when a span is {flag}")
    if any(l["behaviour"] == "unknown" for l in rec["lesions"]) and "pending" not in tags:
        errs.append("behaviour unknown: tag the note pending")
    return errs


def check_split_set(records: dict[str, list[dict]]) -> list[str]:
    errs = []
    ids = Counter(r["id"] for recs in records.values() for r in recs)
    errs += [f"duplicate id {i}" for i, n in ids.items() if n > 1]
    for split, recs in records.items():
        for r in recs:
            if not r["id"].startswith(split + "-"):
                errs.append(f"{r['id']} is in the {split} split")
        if len(recs) < 32:
            errs.append(f"{split}: only {len(recs)} notes (need at least 32)")
        labels = {s["label"] for r in recs for s in r["spans"]}
        for lab in CORE_LABELS:
            if lab not in labels:
                errs.append(f"{split}: core label {lab} never used")
    texts = Counter(" ".join(r["text"].split()).lower() for recs in records.values()
                    for r in recs)
    errs += ["duplicate note text across/within splits" for t, n in texts.items() if n > 1]
    return errs


# --------------------------------------------------------------------------------------------
# Stats (for README.md)
# --------------------------------------------------------------------------------------------

TRAP_TAGS = ("negation", "uncertain", "history", "family", "hypothetical", "pending",
             "size_from_pathology", "margin_missing", "explicit_excised_diameter",
             "boundary", "boundary_rounding", "repair_sum", "repair_one_of_two", "re_excision",
             "eyelid_site_check", "ncci_bundle", "non_lesion_body_part", "depth_not_size",
             "path_revises_dx")


def bucket(diam: D) -> str:
    return next((lab for ub, lab in ((D("0.5"), "<=0.5"), (D("1.0"), "0.6-1.0"),
                                     (D("2.0"), "1.1-2.0"), (D("3.0"), "2.1-3.0"),
                                     (D("4.0"), "3.1-4.0")) if diam <= ub), ">4.0")


def stats(records: dict[str, list[dict]]) -> str:
    def table(title: str, rows: dict[str, Counter], keys) -> str:
        out = [f"| {title} | " + " | ".join(records) + " |",
               "|---|" + "---|" * len(records)]
        for k in keys:
            out.append(f"| {k} | " + " | ".join(str(rows[s][k]) for s in records) + " |")
        return "\n".join(out)

    style = {s: Counter(r["style"] for r in recs) for s, recs in records.items()}
    group = {s: Counter({"FACE": 0, "SNHFG": 0, "TAL": 0}) for s in records}
    buck = {s: Counter() for s in records}
    clos = {s: Counter() for s in records}
    beh = {s: Counter() for s in records}
    trap = {s: Counter() for s in records}
    labels = {s: Counter() for s in records}
    nles = {s: Counter() for s in records}
    for s, recs in records.items():
        for r in recs:
            nles[s][str(len(r["lesions"]))] += 1
            trap[s].update(t for t in set(r["tags"]) if t in TRAP_TAGS)
            labels[s].update(sp["label"] for sp in r["spans"])
            for sp in r["spans"]:
                for f in FLAGS:
                    if sp.get(f):
                        labels[s][f"{sp['label']} ({f})"] += 1
            for les in r["lesions"]:
                group[s][excision_group(les["region"])] += 1
                buck[s][bucket(dec(les["excised_diameter_cm"]))] += 1
                clos[s][les["closure"]] += 1
                beh[s][les["behaviour"]] += 1
    parts = [
        f"Notes: " + ", ".join(f"{s} {len(recs)}" for s, recs in records.items()) + "; lesions: "
        + ", ".join(f"{s} {sum(len(r['lesions']) for r in recs)}" for s, recs in records.items()),
        table("style (notes)", style, STYLES),
        table("lesions per note", nles, sorted(set().union(*nles.values()))),
        table("excision site group (lesions)", group, ("FACE", "SNHFG", "TAL")),
        table("excised-diameter bucket (lesions)", buck,
              ("<=0.5", "0.6-1.0", "1.1-2.0", "2.1-3.0", "3.1-4.0", ">4.0")),
        table("behaviour (lesions)", beh, ("benign", "malignant", "unknown")),
        table("closure (lesions)", clos, ("simple", "intermediate", "complex")),
        table("trap / difficulty tag (notes)", trap, TRAP_TAGS),
        table("span label", labels, sorted(set().union(*labels.values()))),
    ]
    return "\n\n".join(parts)


# --------------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="check only, write nothing")
    ap.add_argument("--stats", action="store_true", help="print count tables")
    args = ap.parse_args(argv)

    records: dict[str, list[dict]] = {}
    errors: list[str] = []
    for split in SPLITS:
        recs = []
        for src in source_files(split):
            for note in parse_source(src):
                rec = build_record(note)
                errs = check_record(rec, note["meta"], note["marked"])
                errors.extend(f"{src.name}: {rec['id']}: {e}" for e in errs)
                recs.append(rec)
        records[split] = recs
    errors.extend(check_split_set(records))
    if errors:
        print("\n".join(errors), file=sys.stderr)
        print(f"\n{len(errors)} problem(s); nothing written.", file=sys.stderr)
        return 1
    if args.stats:
        print(stats(records))
    if not args.check:
        for split, recs in records.items():
            out = HERE / f"{split}.jsonl"
            with out.open("w", encoding="utf-8", newline="\n") as fh:
                for r in recs:
                    fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        print(", ".join(f"{s}: {len(r)} notes" for s, r in records.items()), "written.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
