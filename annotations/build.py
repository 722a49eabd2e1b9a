#!/usr/bin/env python
"""Build the gold files ``annotations/{dev,test}.jsonl`` from ``annotations/src/{dev,test}.md``.

The dev split also reads ``annotations/src/dev_extra.md``, ``annotations/src/dev_extra2.md``,
``annotations/src/dev_procedures.md``, ``annotations/src/dev_procedures2.md``,
``annotations/src/dev_procedures3.md``, ``annotations/src/dev_procedures4.md``,
``annotations/src/dev_procedures5.md``, ``annotations/src/dev_excisions6.md``,
``annotations/src/dev_mixed7.md``, ``annotations/src/dev_real8.md``,
``annotations/src/dev_biopsy9.md``, ``annotations/src/dev_destruction10.md``,
``annotations/src/dev_families11.md``, ``annotations/src/dev_visits12.md`` and
``annotations/src/dev_tagsbiopsy13.md``, ``annotations/src/dev_allfamilies14.md``,
``annotations/src/dev_shortvisits15.md``, ``annotations/src/dev_transcribed16.md``,
``annotations/src/dev_specialties17.md``, ``annotations/src/dev_biopsies18.md``,
``annotations/src/dev_skintags19.md``, ``annotations/src/dev_sitebiopsy20.md``,
``annotations/src/dev_tagvisits21.md``, ``annotations/src/dev_officevisits22.md``,
``annotations/src/dev_tagopnotes23.md``, ``annotations/src/dev_tagwordings24.md``,
``annotations/src/dev_tagclinics25.md``, ``annotations/src/dev_plainwords26.md``,
``annotations/src/dev_excisionvoices27.md``, ``annotations/src/dev_realstyle28.md``,
``annotations/src/dev_freshvoices29.md``, ``annotations/src/dev_mixedvisits30.md``, and the test
split reads ``annotations/src/test_procedures.md`` (``EXTRA_SOURCES``), appended after
``<split>.md``.

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
Since v4 it also recomputes the neighbouring procedure families from the lesion fields: shave
removal, biopsies (one base code per encounter), skin tags, destruction, Mohs, incision and
drainage, soft-tissue tumour excision, 67840, adjacent tissue transfer, pedicle flaps and
skin grafts (``procedure_lines`` and ``encounter_lines``; GUIDELINES.md, v4), and since the
twentieth set the site-specific biopsies 40490 (lip vermilion), 40808 (oral vestibule mucosa)
and 67810 (lid margin), marked by the lesion key ``subsite`` or ``region: mucosa``.

Usage::

    python annotations/build.py            # build both splits
    python annotations/build.py --check    # check only, write nothing
    python annotations/build.py --stats    # print the count tables
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
EXTRA_SOURCES = {"dev": ("dev_extra.md", "dev_extra2.md", "dev_procedures.md",
                         "dev_procedures2.md", "dev_procedures3.md", "dev_procedures4.md",
                         "dev_procedures5.md", "dev_excisions6.md", "dev_mixed7.md",
                         "dev_real8.md", "dev_biopsy9.md", "dev_destruction10.md",
                         "dev_families11.md", "dev_visits12.md", "dev_tagsbiopsy13.md",
                         "dev_allfamilies14.md", "dev_shortvisits15.md", "dev_transcribed16.md",
                         "dev_specialties17.md", "dev_biopsies18.md",
                         "dev_skintags19.md", "dev_sitebiopsy20.md",
                         "dev_tagvisits21.md", "dev_officevisits22.md",
                         "dev_tagopnotes23.md", "dev_tagwordings24.md",
                         "dev_tagclinics25.md", "dev_plainwords26.md",
                         "dev_excisionvoices27.md", "dev_realstyle28.md",
                         "dev_freshvoices29.md", "dev_mixedvisits30.md"),
                 "test": ("test_procedures.md",)}


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
             "scc", "scc_in_situ", "melanoma", "melanoma_in_situ", "acrochordon",
             "uncertain_behaviour_neoplasm", "wart", "common_wart", "plantar_wart",
             "molluscum_contagiosum")
MALIGNANT_DX = {"bcc", "scc", "scc_in_situ", "melanoma", "melanoma_in_situ"}
SOURCES = ("pathology", "postoperative", "preoperative")
CLOSURES = ("simple", "intermediate", "complex", "none", "adjacent_tissue_transfer",
            "pedicle_flap", "ftsg", "stsg")
FLAP_GRAFT = ("adjacent_tissue_transfer", "pedicle_flap", "ftsg", "stsg")
PROCEDURES = ("excision", "re_excision", "shave", "biopsy_tangential", "biopsy_punch",
              "biopsy_incisional", "skin_tag_removal", "destruction", "mohs",
              "incision_drainage", "soft_tissue_excision")
EXCISIONS = ("excision", "re_excision")                 # 114xx/116xx (or 67840 / ATT)
BIOPSIES = ("biopsy_tangential", "biopsy_punch", "biopsy_incisional")
DESTRUCTION_METHODS = ("cryo", "ed_c", "laser", "chemical")
DEPTHS = ("subcutaneous", "subfascial")
LESION_KEYS = ("index", "region", "laterality", "eyelid_part", "behaviour", "diagnosis",
               "diagnosis_source", "procedure", "lesion_size_cm", "margin_cm",
               "excised_diameter_cm", "closure", "repair_length_cm", "cpt", "icd10")
# v4 optional keys: present in a JSONL lesion record only when the source gives a value.
OPTIONAL_KEYS = ("lesion_count", "destruction_method", "mohs_stages", "mohs_blocks",
                 "defect_area_sq_cm", "depth", "complicated", "subsite")
# Twentieth set: the part of a lip or eyelid that a biopsy samples, when it is not skin-only
# (reference 3.3 / 3.6): the lip vermilion (40490) and the eyelid margin (67810). A biopsy of
# region `mucosa` (oral vestibule: inner lip, buccal mucosa) is 40808 without a subsite.
SUBSITES = {"vermilion": "lip", "lid_margin": "eyelid"}
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


# --------------------------------------------------------------------------------------------
# v4: neighbouring procedure families (coding-rules.md sections 2.4, 3.1-3.6, 4.5-4.7, and the
# soft-tissue codes verified in GUIDELINES.md, v4). Each table is written out here, not imported.
# --------------------------------------------------------------------------------------------

# Shave removal 11300-11313 (3.2): lesion diameter only, four bands per excision site group.
SHAVE_BASE = {"TAL": 11300, "SNHFG": 11305, "FACE": 11310}
SHAVE_BANDS = ((D("0.5"), 0), (D("1.0"), 1), (D("2.0"), 2))          # > 2.0 -> digit 3
# Site-specific biopsies (3.3, 3.6; twentieth set): one line per biopsied lesion, any technique,
# outside the 11102-11107 base/add-on choice.
SITE_BIOPSY = {("lip", "vermilion"): "40490", ("eyelid", "lid_margin"): "67810",
               ("mucosa", None): "40808"}
# Biopsy 11102-11107 (3.3): (rank, first-lesion code, add-on code); highest rank is the base.
BIOPSY = {"biopsy_incisional": (3, "11106", "11107"), "biopsy_punch": (2, "11104", "11105"),
          "biopsy_tangential": (1, "11102", "11103")}
# Malignant destruction 17260-17286 (3.4): lesion diameter, excision bands, excision groups.
MAL_DESTR_BASE = {"TAL": 17260, "SNHFG": 17270, "FACE": 17280}
# Mohs (2.4): head, neck, hands, feet, genitalia (face and scalp are head) vs trunk/arms/legs.
MOHS_HNHFG = EXC_FACE | EXC_SNHFG
# Adjacent tissue transfer (4.5), pedicle flap (4.6), FTSG (4.7): complex-repair groups.
ATT_CODES = {"TRUNK": ("14000", "14001"), "SAL": ("14020", "14021"), "FCC": ("14040", "14041"),
             "ENEL": ("14060", "14061")}
PEDICLE_CODES = {"TRUNK": "15570", "SAL": "15572", "FCC": "15574", "ENEL": "15576"}
FTSG_CODES = {"TRUNK": ("15200", "15201"), "SAL": ("15220", "15221"),
              "FCC": ("15240", "15241"), "ENEL": ("15260", "15261")}
# Full-thickness grafts: regions whose group is named in the descriptors (temple, jaw, brow,
# glabella and "face" are not named for 15240 and are not used with grafts in this set).
FTSG_NAMED = (CPX_TRUNK | CPX_SAL | {"forehead", "cheek", "chin", "neck", "axilla", "genitalia",
                                     "hand", "finger", "foot", "toe"} | CPX_ENEL)
# Split-thickness grafts: 15100 trunk/arms/legs; 15120 face, scalp, eyelids, mouth, neck, ears,
# orbits, genitalia, hands, feet (per 100 sq cm).
STSG_CODES = {"TAL": ("15100", "15101"), "HEAD": ("15120", "15121")}
# Subcutaneous soft-tissue tumours (verified per region, GUIDELINES.md v4): (cut-off cm,
# code below the cut-off, code at or above it). Other regions are not placed in this set.
SOFT_TISSUE = {
    "face_scalp": (D("2"), "21011", "21012"),
    "back_flank": (D("3"), "21930", "21931"),
    "shoulder": (D("3"), "23075", "23071"),
    "upper_arm": (D("3"), "24075", "24071"),
    "thigh_knee": (D("3"), "27327", "27337"),
}
SOFT_TISSUE_REGION = {"forehead": "face_scalp", "temple": "face_scalp", "cheek": "face_scalp",
                      "chin": "face_scalp", "jaw": "face_scalp", "scalp": "face_scalp",
                      "back": "back_flank", "flank": "back_flank", "shoulder": "shoulder",
                      "arm": "upper_arm", "elbow": "upper_arm", "thigh": "thigh_knee",
                      "knee": "thigh_knee"}
# Lines billed once per encounter and listed on every lesion they cover (like summed repairs).
ENCOUNTER_CODES = {"11200", "11201", "17004", "17110", "17111", "10060", "10061"}


def is_encounter_line(code: str) -> bool:
    """Repair lines (12xxx/13xxx) and the per-encounter counts are shared by lesions."""
    return code[:2] in ("12", "13") or code in ENCOUNTER_CODES


def cpx_group(region: str) -> str:
    for group, members in (("TRUNK", CPX_TRUNK), ("SAL", CPX_SAL), ("FCC", CPX_FCC),
                           ("ENEL", CPX_ENEL)):
        if region in members:
            return group
    raise ValueError(f"no flap/graft/ATT group decided for region {region!r}")


def shave_code(region: str, size: D) -> str:
    digit = next((dg for ub, dg in SHAVE_BANDS if size <= ub), 3)
    return str(SHAVE_BASE[excision_group(region)] + digit)


def att_lines(region: str, area: D) -> list[str]:
    if area <= D("10.0"):
        return [ATT_CODES[cpx_group(region)][0]]
    if area <= D("30.0"):
        return [ATT_CODES[cpx_group(region)][1]]
    extra = math.ceil((area - D("60.0")) / D("30.0")) if area > D("60.0") else 0
    return ["14301"] + ["14302"] * extra


def graft_lines(closure: str, region: str, area: D) -> list[str]:
    if closure == "ftsg":
        if region not in FTSG_NAMED:
            raise ValueError(f"full-thickness graft on {region!r}: site group not named")
        base, addon = FTSG_CODES[cpx_group(region)]
        step = D("20")
    else:
        if region in ("axilla", "groin", "perianal", "mucosa"):
            raise ValueError(f"split-thickness graft on {region!r}: site group not decided")
        base, addon = STSG_CODES["TAL" if excision_group(region) == "TAL" else "HEAD"]
        step = D("100")
    extra = math.ceil((area - step) / step) if area > step else 0
    return [base] + [addon] * extra


def soft_tissue_code(les: dict) -> str:
    if les.get("depth") != "subcutaneous":
        raise ValueError("only subcutaneous soft-tissue tumours are placed in this gold set")
    key = SOFT_TISSUE_REGION.get(les["region"])
    if key is None:
        raise ValueError(f"soft-tissue tumour code for region {les['region']!r} not verified")
    cut, small, large = SOFT_TISSUE[key]
    return small if dec(les["excised_diameter_cm"]) < cut else large


def site_biopsy_code(les: dict) -> str | None:
    """40490 / 40808 / 67810 for a biopsy at a site-specific subsite, else None (skin)."""
    if les["procedure"] not in BIOPSIES:
        return None
    return SITE_BIOPSY.get((les["region"], les.get("subsite")))


def procedure_lines(les: dict, tags: set[str]) -> list[str]:
    """A lesion's own lines (not the per-encounter ones): excision / shave / malignant
    destruction / Mohs / soft-tissue tumour / 67840, then its flap or graft."""
    proc, region, closure = les["procedure"], les["region"], les["closure"]
    lines: list[str] = []
    if proc in EXCISIONS:
        if region == "eyelid" and "eyelid_margin" in tags:
            if closure not in ("simple", "none"):
                raise ValueError("67840 with more than simple closure: not in this gold set")
            lines.append("67840")                         # 3.6: lid margin/tarsus/conjunctiva
        elif closure != "adjacent_tissue_transfer":       # 4.5: ATT includes the excision
            code = excision_code(les["behaviour"], region, dec(les["excised_diameter_cm"]))
            if code:
                lines.append(code)
    elif site_biopsy_code(les):
        lines.append(site_biopsy_code(les))              # own line, own unit per lesion
    elif proc == "shave":
        lines.append(shave_code(region, dec(les["lesion_size_cm"])))
    elif proc == "destruction" and les["behaviour"] == "malignant":
        if les.get("lesion_count", 1) != 1:
            raise ValueError("malignant destruction: one record per lesion")
        size = dec(les["lesion_size_cm"])
        digit = next((dg for ub, dg in EXC_BANDS if size <= ub), 6)
        lines.append(str(MAL_DESTR_BASE[excision_group(region)] + digit))
    elif proc == "mohs":
        if les["behaviour"] != "malignant":
            raise ValueError("Mohs on a lesion that is not malignant")
        blocks = les["mohs_blocks"]
        first, addon = ("17311", "17312") if region in MOHS_HNHFG else ("17313", "17314")
        lines += [first] + [addon] * (len(blocks) - 1)
        lines += ["17315"] * sum(max(0, b - 5) for b in blocks)
        if closure == "simple":
            raise ValueError("simple repair after Mohs: not in this gold set")
    elif proc == "soft_tissue_excision":
        if closure not in ("simple", "intermediate"):   # simple/intermediate repair included
            raise ValueError("soft-tissue excision with other than simple/layered closure")
        lines.append(soft_tissue_code(les))
    if closure == "adjacent_tissue_transfer":
        lines += att_lines(region, dec(les["defect_area_sq_cm"]))
    elif closure == "pedicle_flap":
        lines.append(PEDICLE_CODES[cpx_group(region)])
    elif closure in ("ftsg", "stsg"):
        lines += graft_lines(closure, region, dec(les["defect_area_sq_cm"]))
    return lines


def encounter_lines(lesions: list[dict], per_lesion: list[list[str]]) -> list[tuple[list[int],
                                                                                   list[str]]]:
    """Biopsy base/add-on and premalignant destruction counts (appended to per_lesion), and the
    shared per-encounter groups (lesion indices, lines): skin tags, 17004, 17110/17111, I&D."""
    shared: list[tuple[list[int], list[str]]] = []
    # Biopsies: one base code per encounter for the highest-valued technique (first such
    # lesion); every other biopsy takes the add-on of its own technique.
    bx = [i for i, les in enumerate(lesions) if les["procedure"] in BIOPSIES
          and not site_biopsy_code(les)]                # skin biopsies only
    if bx:
        base_i = max(bx, key=lambda i: (BIOPSY[lesions[i]["procedure"]][0], -i))
        for i in bx:
            _, base, addon = BIOPSY[lesions[i]["procedure"]]
            per_lesion[i].append(base if i == base_i else addon)
    # Skin tags: 11200 for 1-15, +11201 per additional 10 or part.
    tags_i = [i for i, les in enumerate(lesions) if les["procedure"] == "skin_tag_removal"]
    if tags_i:
        n = sum(lesions[i].get("lesion_count", 1) for i in tags_i)
        shared.append((tags_i, ["11200"] + ["11201"] * (math.ceil((n - 15) / 10) if n > 15
                                                          else 0)))
    # Premalignant destruction (AK): 17000 + 17003 x (n-1), or 17004 once for n >= 15.
    ak = [i for i, les in enumerate(lesions) if les["procedure"] == "destruction"
          and les["diagnosis"] == "actinic_keratosis"]
    if ak:
        n = sum(lesions[i].get("lesion_count", 1) for i in ak)
        if n >= 15:
            shared.append((ak, ["17004"]))
        else:
            first = True
            for i in ak:
                k = lesions[i].get("lesion_count", 1)
                per_lesion[i] += (["17000"] if first else []) + ["17003"] * (k - (1 if first
                                                                                 else 0))
                first = False
    # Benign destruction other than AK (e.g. seborrheic keratoses): 17110 <= 14, 17111 >= 15.
    ben = [i for i, les in enumerate(lesions) if les["procedure"] == "destruction"
           and les["behaviour"] != "malignant" and les["diagnosis"] != "actinic_keratosis"]
    if ben:
        if any(lesions[i]["diagnosis"] in ("hemangioma", "acrochordon") for i in ben):
            raise ValueError("destruction of vascular lesions / skin tags is not 17110")
        n = sum(lesions[i].get("lesion_count", 1) for i in ben)
        shared.append((ben, ["17110" if n <= 14 else "17111"]))
    # Incision and drainage: 10060 simple/single, 10061 complicated or multiple.
    ind = [i for i, les in enumerate(lesions) if les["procedure"] == "incision_drainage"]
    if ind:
        n = sum(lesions[i].get("lesion_count", 1) for i in ind)
        multiple = n > 1 or any(lesions[i]["complicated"] for i in ind)
        shared.append((ind, ["10061" if multiple else "10060"]))
    return shared


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
    if (region == "mucosa" or les.get("subsite") == "vermilion") and dx is not None:
        # the reference gives no ICD-10-CM code for vermilion or oral mucosa lesions (5.1 / 5.7:
        # C00 / D10 "may be", unverified): only pending records are written (twentieth set)
        raise ValueError("vermilion / mucosa lesion with a diagnosis: ICD-10-CM not settled")
    if dx is None:
        if les["behaviour"] != "unknown":
            raise ValueError("diagnosis null is only allowed with behaviour unknown")
        return "L98.9"                                   # pending, uncertain: skin lesion NOS
    simple = {"seborrheic_keratosis": "L82.1", "irritated_seborrheic_keratosis": "L82.0",
              "epidermoid_cyst": "L72.0", "pilar_cyst": "L72.11", "sebaceous_cyst": "L72.3",
              "cyst": "L72.9", "pyogenic_granuloma": "L98.0", "hemangioma": "D18.01",
              "actinic_keratosis": "L57.0", "keratoacanthoma": "L85.8",
              "acrochordon": "L91.8", "uncertain_behaviour_neoplasm": "D48.5",
              # tenth set (GUIDELINES.md): viral warts B07.x and molluscum B08.1, leaf codes
              # checked in the April 1, 2026 ICD-10-CM list; no site or laterality axis
              "wart": "B07.9", "common_wart": "B07.8", "plantar_wart": "B07.0",
              "molluscum_contagiosum": "B08.1"}
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


def expected_codes(lesions: list[dict], tags: set[str] | frozenset[str] = frozenset()
                   ) -> tuple[list[list[str]], Counter]:
    """Per-lesion CPT lines and the note's CPT multiset, recomputed from the lesion fields."""
    per_lesion: list[list[str]] = []
    totals: dict[tuple[str, str], D] = {}
    members: dict[tuple[str, str], list[int]] = {}
    for i, les in enumerate(lesions):
        per_lesion.append(procedure_lines(les, set(tags)))
        if les["closure"] in ("intermediate", "complex") \
                and les["procedure"] != "soft_tissue_excision":   # repair included there
            length = dec(les["repair_length_cm"])
            key = repair_key(les["closure"], les["region"], length)
            totals[key] = totals.get(key, D("0")) + length
            members.setdefault(key, []).append(i)
    shared = encounter_lines(lesions, per_lesion)
    note = Counter(code for lines in per_lesion for code in lines)
    for idx, lines in shared:
        note.update(lines)
        for i in idx:
            per_lesion[i].extend(lines)
    for key, total in totals.items():
        lines = repair_lines(key, total)
        note.update(lines)
        for i in members[key]:
            per_lesion[i].extend(lines)
    return per_lesion, note


def add_up(lesions: list[dict]) -> Counter:
    """How per-lesion lines add up to the note: a lesion's own lines (excision, shave, biopsy,
    17000/17003, malignant destruction, Mohs, flap, graft ...) are summed over lesions; a line
    shared by several lesions (summed repair, skin tags, 17004, 17110/17111, I&D) is counted
    once (multiset union)."""
    own: Counter = Counter()
    shared: Counter = Counter()
    for les in lesions:
        c = Counter(les["cpt"])
        own.update({k: v for k, v in c.items() if not is_encounter_line(k)})
        shared |= Counter({k: v for k, v in c.items() if is_encounter_line(k)})
    return own + shared


# --------------------------------------------------------------------------------------------
# Measurements
# --------------------------------------------------------------------------------------------

WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15,
                "twenty": 20}
NUM = r"(?:\d+(?:\.\d+)?|\.\d+)"
TIMES = r"(?:x|X|×|by|BY)"                                # "1.2 x 0.8 cm", "1.2 by 0.8 cm"
MEASURE_RE = re.compile(
    rf"^(?P<a>{NUM})(?:\s*{TIMES}\s*(?P<b>{NUM}))?(?:\s*{TIMES}\s*(?P<c>{NUM}))?"
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
ID_RE = re.compile(r"^(dev|test)-\d{3,4}$")
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
        for k in OPTIONAL_KEYS:                      # v4: only when the source gives a value
            if les.get(k) is not None:
                rec[k] = norm_num(les[k]) if k == "defect_area_sq_cm" else les[k]
        unknown = set(les) - set(LESION_KEYS) - set(OPTIONAL_KEYS)
        if unknown:
            rec["_unknown_keys"] = sorted(unknown)
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
        errs.append("id must look like dev-001 / test-001 (three or four digits)")
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
        if "_unknown_keys" in les:
            errs.append(f"lesion {n}: unknown keys {les['_unknown_keys']}")
            continue
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
        exp_lesion, exp_note = expected_codes(lesions, set(rec["tags"]))
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
    proc = les["procedure"]
    if proc not in PROCEDURES:
        errs.append(f"procedure {proc!r} not allowed")
    if les["closure"] not in CLOSURES:
        errs.append(f"closure {les['closure']!r} not allowed")
    errs.extend(check_v4_fields(les))
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
    elif (les["diagnosis"] == "uncertain_behaviour_neoplasm") != (les["behaviour"] == "uncertain"):
        errs.append("behaviour uncertain goes with diagnosis uncertain_behaviour_neoplasm (D48.5)")
    # numbers
    try:
        size = dec(les["lesion_size_cm"]) if les["lesion_size_cm"] is not None else None
        margin = dec(les["margin_cm"]) if les["margin_cm"] is not None else None
        if proc not in EXCISIONS + ("soft_tissue_excision",):
            # no excised diameter and no margin outside excisions (shave: lesion size only)
            if les["excised_diameter_cm"] is not None or margin is not None:
                errs.append(f"{proc}: excised_diameter_cm and margin_cm must be null")
            if proc == "shave" or (proc == "destruction" and les["behaviour"] == "malignant"):
                if size is None:
                    errs.append(f"{proc}: lesion_size_cm selects the code and is required")
            diam = None
        else:
            diam = dec(les["excised_diameter_cm"])
    except Exception:                                    # noqa: BLE001 - report and go on
        return errs + ["numbers must be decimal strings (excised_diameter_cm required)"]
    if diam is None:
        pass
    elif size is not None:
        expected = size + 2 * margin if margin is not None else size
        if diam != expected:
            errs.append(f"excised diameter {diam} != size {size} + 2 x margin {margin}")
    elif margin is not None:
        errs.append("margin given without lesion size")
    if les["closure"] in ("intermediate", "complex"):
        if les["repair_length_cm"] is None and proc != "soft_tissue_excision":
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


def check_v4_fields(les: dict) -> list[str]:
    """The v4 optional keys: allowed values, and present exactly where they are needed."""
    errs = []
    proc, closure = les["procedure"], les["closure"]
    count = les.get("lesion_count")
    if count is not None:
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            errs.append("lesion_count must be a positive integer")
        elif count > 1 and proc not in ("skin_tag_removal", "destruction", "incision_drainage"):
            errs.append(f"lesion_count > 1 only for skin tags, destruction and I&D, not {proc}")
        elif count == 1:
            errs.append("lesion_count 1 is the default: omit it")
    method = les.get("destruction_method")
    if (proc == "destruction") != (method is not None):
        errs.append("destruction_method is required for destruction and only there")
    elif method is not None and method not in DESTRUCTION_METHODS:
        errs.append(f"destruction_method {method!r} not allowed")
    stages, blocks = les.get("mohs_stages"), les.get("mohs_blocks")
    if proc == "mohs":
        if not isinstance(stages, int) or not isinstance(blocks, list) or len(blocks) != stages \
                or stages < 1 or not all(isinstance(b, int) and b >= 1 for b in blocks):
            errs.append("Mohs needs mohs_stages (int) and mohs_blocks (one int per stage)")
    elif stages is not None or blocks is not None:
        errs.append("mohs_stages/mohs_blocks only for Mohs")
    area = les.get("defect_area_sq_cm")
    if closure in ("adjacent_tissue_transfer", "ftsg", "stsg"):
        if area is None:
            errs.append(f"{closure} needs defect_area_sq_cm")
    elif area is not None and closure != "pedicle_flap":
        errs.append("defect_area_sq_cm only with a flap or graft")
    if (proc == "soft_tissue_excision") != (les.get("depth") is not None):
        errs.append("depth is required for soft-tissue tumour excision and only there")
    elif les.get("depth") is not None and les["depth"] not in DEPTHS:
        errs.append(f"depth {les['depth']!r} not allowed")
    subsite = les.get("subsite")
    if subsite is not None:
        if subsite not in SUBSITES:
            errs.append(f"subsite {subsite!r} not allowed")
        elif les["region"] != SUBSITES[subsite]:
            errs.append(f"subsite {subsite} only with region {SUBSITES[subsite]}")
        elif proc not in BIOPSIES:
            errs.append("subsite only on biopsy records (excisions keep the eyelid_margin tag)")
    if (proc == "incision_drainage") != (les.get("complicated") is not None):
        errs.append("complicated (bool) is required for I&D and only there")
    if proc in ("shave", "skin_tag_removal", "destruction", "incision_drainage") \
            and closure != "none":
        errs.append(f"{proc}: closure must be none")
    if closure in FLAP_GRAFT and proc not in EXCISIONS + ("mohs",):
        errs.append(f"{closure} only after an excision or Mohs")
    if proc in BIOPSIES and closure not in ("none", "simple"):
        errs.append("biopsy: closure none or simple")
    if proc == "skin_tag_removal" and les["diagnosis"] != "acrochordon":
        errs.append("skin-tag removal needs diagnosis acrochordon")
    if les["diagnosis"] == "acrochordon" and proc not in ("skin_tag_removal",) + BIOPSIES:
        errs.append("acrochordon removal is 11200/11201 (skin_tag_removal)")
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
    diams = {dec(l["excised_diameter_cm"]) for l in rec["lesions"] if l["excised_diameter_cm"]}
    # every span value belongs to a lesion field ...
    for lo, hi in vals["LESION_SIZE"]:
        if hi not in sizes:
            errs.append(f"LESION_SIZE span {hi} cm matches no lesion_size_cm {sorted(sizes)}")
    for lo, hi in vals["MARGIN"]:
        # margins that differ per side (tag margins_differ): the record keeps the narrowest,
        # and the wider sides' spans are still annotated
        wider = "margins_differ" in tags and margins and lo > min(margins)
        if lo not in margins and not wider:
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
        if les["lesion_size_cm"] is None and not vals["EXCISED_DIAMETER"] \
                and les["procedure"] in EXCISIONS + ("soft_tissue_excision",):
            errs.append(f"lesion {i}: no lesion size and no EXCISED_DIAMETER span")
    if vals["EXCISED_DIAMETER"] and "explicit_excised_diameter" not in tags:
        errs.append("EXCISED_DIAMETER span present: tag the note explicit_excised_diameter")
    labels = {s["label"] for s in rec["spans"]}
    for need in ("ANATOMIC_SITE", "LESION_DIAGNOSIS"):
        if need not in labels:
            errs.append(f"note has no {need} span")
    if any(l["closure"] not in ("none", None) for l in rec["lesions"]) \
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


# v4 trap tags of the procedure-family notes (src/*_procedures.md).
V4_TAGS = ("plan_excision_trap", "shave_planned_excision", "biopsy_excision_same_lesion",
           "biopsy_excision_different_lesions", "mixed_biopsy_techniques", "destruction_three",
           "mohs_two_stages", "mohs_extra_blocks", "att_area_from_dimensions",
           "history_of_excision", "negated_procedure", "re_excision_clear", "eyelid_margin",
           "shave_excision_wording", "excisional_biopsy", "lipoma_depth", "cyst_drained",
           "add_on_units")
FAMILIES = ("excision", "shave", "biopsy", "site_biopsy", "skin_tag", "destruction", "mohs",
            "incision_drainage", "adjacent_tissue_transfer", "pedicle_flap", "skin_graft",
            "soft_tissue_tumour", "eyelid_67840")


def note_families(rec: dict) -> set[str]:
    """The procedure families a note contains (a note may count for several)."""
    fams = set()
    for les in rec["lesions"]:
        proc, closure = les["procedure"], les["closure"]
        if proc in EXCISIONS:
            if les["region"] == "eyelid" and "eyelid_margin" in rec["tags"]:
                fams.add("eyelid_67840")
            elif closure != "adjacent_tissue_transfer":
                fams.add("excision")
        elif proc in BIOPSIES:
            fams.add("site_biopsy" if site_biopsy_code(les) else "biopsy")
        else:
            fams.add({"shave": "shave", "skin_tag_removal": "skin_tag",
                      "destruction": "destruction", "mohs": "mohs",
                      "incision_drainage": "incision_drainage",
                      "soft_tissue_excision": "soft_tissue_tumour"}[proc])
        if closure in ("adjacent_tissue_transfer", "pedicle_flap"):
            fams.add(closure)
        elif closure in ("ftsg", "stsg"):
            fams.add("skin_graft")
    return fams


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
    fam = {s: Counter() for s in records}
    proc = {s: Counter() for s in records}
    v4 = {s: Counter() for s in records}
    for s, recs in records.items():
        for r in recs:
            nles[s][str(len(r["lesions"]))] += 1
            trap[s].update(t for t in set(r["tags"]) if t in TRAP_TAGS)
            v4[s].update(t for t in set(r["tags"]) if t in V4_TAGS)
            fam[s].update(note_families(r))
            labels[s].update(sp["label"] for sp in r["spans"])
            for sp in r["spans"]:
                for f in FLAGS:
                    if sp.get(f):
                        labels[s][f"{sp['label']} ({f})"] += 1
            for les in r["lesions"]:
                proc[s][les["procedure"]] += 1
                clos[s][les["closure"]] += 1
                beh[s][les["behaviour"]] += 1
                if les["procedure"] not in EXCISIONS:
                    continue
                group[s][excision_group(les["region"])] += 1
                buck[s][bucket(dec(les["excised_diameter_cm"]))] += 1
    parts = [
        f"Notes: " + ", ".join(f"{s} {len(recs)}" for s, recs in records.items()) + "; lesions: "
        + ", ".join(f"{s} {sum(len(r['lesions']) for r in recs)}" for s, recs in records.items()),
        table("style (notes)", style, STYLES),
        table("lesions per note", nles, sorted(set().union(*nles.values()))),
        table("procedure family (notes containing it)", fam, FAMILIES),
        table("procedure (lesion records)", proc, PROCEDURES),
        table("excision site group (excision / re-excision lesions)", group,
              ("FACE", "SNHFG", "TAL")),
        table("excised-diameter bucket (excision / re-excision lesions)", buck,
              ("<=0.5", "0.6-1.0", "1.1-2.0", "2.1-3.0", "3.1-4.0", ">4.0")),
        table("behaviour (lesions)", beh, ("benign", "malignant", "uncertain", "unknown")),
        table("closure (lesions)", clos, CLOSURES),
        table("trap / difficulty tag (notes)", trap, TRAP_TAGS),
        table("v4 procedure trap tag (notes)", v4, V4_TAGS),
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
