"""What the note says about pathology: the source of a diagnosis, a pending report, a proven cancer.

A diagnosis is a pathology result when it stands in a pathology section or in a sentence that
reports one (not one that asks for or awaits it), or in a clause of the result list such a sentence
opens with a colon; a report still to come marks the note
pending; a biopsy result named before this operation, or a cancer written as history but
proven for it, makes a malignant diagnosis proven (coding-rules 2.2); a single skin tag that
pathology calls something else was a shave removal of that lesion.
"""

from __future__ import annotations

import re
from dataclasses import replace

from nlp.linking.facts import (
    PATHOLOGY_SECTIONS,
    POSTOP_SECTIONS,
    PREOP_SECTIONS,
    Fact,
    sentence_text,
    text_after,
    text_before,
)
from nlp.records import Lesion

_PENDING = re.compile(
    r"\b(?:path(?:ology)?\s+(?:is\s+|was\s+|results?\s+(?:are\s+|is\s+)?)?pending|pending\s+(?:final\s+)?path(?:ology)?|await(?:ing|s)?\s+(?:final\s+)?path(?:ology)?|path(?:ology)?\s+(?:results?\s+)?(?:not\s+yet\s+(?:available|back|returned)|to\s+follow))",
    re.IGNORECASE,
)
_PATHOLOGY_CUE = re.compile(r"\b(?:path(?:ology)?|histolog\w*|dermatopatholog\w*|frozen\s+section)\b[^.;]{0,40}?\b(?P<verb>show|reveal|return|confirm|demonstrat|report|came\s+back|consistent|diagnos|read|was|is|:)", re.IGNORECASE)
# The same words naming what pathology is asked to do or has yet to do, not a result: "submitted to
# pathology for confirmation of its histology", "pending pathology report", "pathology is pending".
_PATHOLOGY_PENDING_BEFORE = re.compile(r"\b(?:pending|awaiting|await|awaits)\s+(?:(?:the|a|final|formal)\s+)*$", re.IGNORECASE)
_PATHOLOGY_PURPOSE = re.compile(r"\bfor\s+(?:(?:a|an|the|its|further|formal|final|histologic(?:al)?)\s+)*$", re.IGNORECASE)
_PATHOLOGY_PENDING_AFTER = re.compile(r"^\w*\s+(?:(?:is|was|are|were|remains?)\s+)?(?:still\s+)?(?:pending|awaited|to\s+follow|not\s+yet)", re.IGNORECASE)
# A biopsy result reported before this excision: "biopsy on 3/4 showed", "biopsy-proven", "biopsy
# confirmed"; and a wide or re-excision of a named cancer, which is only done once it is proven.
_PRIOR_BIOPSY = re.compile(
    r"\b(?:biops(?:y|ies|ied)|bx)\b[^;]{0,80}?\b(?:show|reveal|demonstrat|confirm|prov|positive|consistent|diagnos|return|came\s+back|c/w)"
    # "punch biopsy there two weeks ago read as SCC in situ", "bx 9/12 = SCC": a result read out
    r"|\b(?:biops(?:y|ies|ied)|bx)\b[^;=]{0,80}?\bread\s+(?:out\s+)?as\s+(?:(?:a|an)\s+)?(?:[a-z-]+\s+){0,2}$"
    r"|\b(?:biopsy|bx)\b(?:\s+(?:on\s+)?\d{1,2}/\d{1,2}(?:/\d{2,4})?)?\s*=\s*$"
    r"|\b(?:biopsy|bx)[- ]prov"
    # "bx 2 wk ago = SCC", "shave bx 3/2026 → BCC": a biopsy equated with the diagnosis right after it
    r"|\b(?:biops(?:y|ies)|bx)\b[^;=→\n]{0,40}?[ \t](?:=|→|->)[ \t]*(?:[a-z-]+[ \t]+){0,2}$"
    r"|\b(?:wide\s+(?:local\s+)?|re-?)exc(?:ision|ised)?\.?\s+(?:of\s+)?(?:(?:the|a|his|her|known|residual)\s+)*$"
    # "Wide local excision, left dorsal forearm melanoma": the site may stand between
    r"|\bwide\s+(?:local\s+)?excision,?\s+(?:of\s+)?(?:(?:the|a|his|her)\s+)?(?:[a-z]+\s+){1,4}$"
    # "returns 10 days after excision of a squamous cell carcinoma": an earlier excision's result
    r"|\b(?:after|following|since)\s+(?:(?:an?|the|his|her|prior|previous|recent|initial)\s+)*(?:excision|removal|mohs)\s+of\s+(?:(?:an?|the|his|her)\s+)*$"
    # "previously radiated squamous cell carcinoma": a cancer already treated was proven first
    r"|\b(?:previously|already)\s+(?:radiated|irradiated|treated|biopsied)\s+(?:\w+\s+){0,2}$",
    re.IGNORECASE,
)
# The same evidence written after the diagnosis: "MIS L cheek dx'd on shave bx", "BCC (biopsy proven)",
# also past a decimal size ("SCC of the right shin, 2.0 cm, biopsy-proven").
_PRIOR_BIOPSY_AFTER = re.compile(
    r"^(?:[^.;]|\.\d){0,40}?(?:\b(?:dx'?d|diagnosed|confirmed|proven|proved)\s+(?:on|by|with|via)\s+(?:(?:a|prior|previous|recent)\s+)*"
    r"(?:(?:shave|punch|incisional|tangential)\s+)?(?:biopsy|bx)|\(?\s*(?:biopsy|bx)[- ]prov"
    r"|\b(?:(?:previous|prior|recent)\s+)?(?:positive\s+)(?:(?:shave|punch)\s+)?(?:biopsy|bx)"
    r"|\b(?:previous|prior|recent)\s+(?:(?:shave|punch)\s+)?(?:biopsy|bx)\s+(?:positive|proven|confirmed)"
    r")"
    # "MIS L forearm, shave biopsy 3 weeks ago": a dated biopsy named with the diagnosis made it, also
    # at the end of a header line that lists the site, type and depth first ("MELANOMA, RIGHT LEG,
    # SUPERFICIAL SPREADING TYPE, BRESLOW 0.6 MM, PUNCH BIOPSY 3 WEEKS AGO")
    r"|^(?:[^.;]|\.\d){0,120}?\b(?:(?:shave|punch|incisional|tangential|saucerization)\s+)?(?:biops(?:y|ied)|bx)\s+(?:(?:done|performed|taken|obtained)\s+)?"
    r"(?:(?:\d+|one|two|three|four|five|six|a\s+few|several)\s+(?:days?|weeks?|wks?|months?|mos?)\s+ago|(?:on|dated)\s+\d{1,2}/\d{1,2}\b|last\s+(?:week|month))"
    # "melanoma in situ on punch biopsy 3/2026", "BCC on shave bx": a diagnosis read on a named biopsy
    r"|^(?:[^.;]|\.\d){0,40}?\bon\s+(?:(?:a|the|prior|previous|recent|earlier)\s+)*"
    r"(?:shave|punch|incisional|excisional|tangential|saucerization|deep\s+shave)\s+(?:biopsy|bx)\b"
    # "melanoma ..., Breslow 0.6 mm, Clark level II": a Breslow depth or Clark level is read on
    # histology, so the melanoma named with one was proven by an earlier biopsy
    r"|^(?:[^.;]|\.\d){0,80}?\b(?:breslow|clark(?:'s)?\s+level)\b"
    # "... that was diagnosed in the office after two biopsies"
    r"|^[^.;]{0,120}?\b(?:dx'?d|diagnosed|confirmed|proven|proved)\b[^.;]{0,30}?\b(?:after|by|on|with|via|following|at)\s+"
    r"(?:(?:a|an|the|two|three|several|multiple|repeat|\d|prior|previous|recent|shave|punch|incisional|tangential|skin|broad|deep|wide|saucerization)\s+)*(?:biops(?:y|ies)|bx)\b"
    # "squamous cell carcinoma ... which had previous radiation": treated, so proven before
    r"|^[^.;]{0,80}?\b(?:which|that|and)\s+(?:had|has|was|were|underwent|received)\s+(?:been\s+)?(?:(?:previous|prior|recent)\s+)?"
    r"(?:radiation|radiotherapy|irradiation|xrt|radiated|irradiated|treated\s+with\s+radiation)\b"
    # "Malignant melanoma, left dorsal forearm, Breslow depth 0.9 mm, status post excisional biopsy"
    r"|^(?:[^.;]|\.\d){0,80}?\b(?:status\s+post|s/p)\s+(?:(?:an?|the|excisional|shave|punch|incisional|tangential|prior|previous|recent)\s+)*(?:biops(?:y|ies)|bx|excision)\b",
    re.IGNORECASE,
)
_PENDING_CUES = ("pending", "await", "not yet", "to follow")
_SITE_OF = re.compile(r",?\s*(?:of|on|at|in|over)\s+(?:(?:the|his|her|a|an)\s+)?$", re.IGNORECASE)
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_TREATED_BEFORE = re.compile(r"\b(?:previously|already)\s+(?:radiated|irradiated|treated|biopsied)\s+(?:\w+\s+){0,2}$", re.IGNORECASE)


def pathology_pending(text: str, lower: str) -> bool:
    """Whether the note says its pathology report is still to come (``lower`` is ``text.lower()``)."""
    return any(cue in lower for cue in _PENDING_CUES) and bool(_PENDING.search(text))


# "a 2.0 cm nodule proven by biopsy to be a squamous cell carcinoma", "shown on a punch biopsy to
# be an invasive melanoma": the biopsy that proved the diagnosis named just before it.
_PROVEN_TO_BE = re.compile(
    r"\b(?:proven|proved|shown|confirmed|found)\s+(?:by|on|at|with|via)\s+(?:(?:a|an|the|prior|previous|recent|earlier|shave|punch|incisional|tangential)\s+)*"
    r"(?:biops(?:y|ies)|bx)\s+(?:to\s+be|as)\s+(?:(?:a|an)\s+)?(?:[a-z-]+\s+){0,2}$",
    re.IGNORECASE,
)


def prior_biopsy_named(text: str, fact: Fact) -> bool:
    """Whether the diagnosis's sentence names a biopsy result from before this operation ("biopsy-proven BCC",
    "MIS L cheek dx'd on shave bx"), or a re-excision that implies one."""
    before = text_before(text, fact)
    if _may_match(before, _PRIOR_BIOPSY_WORDS) and (_PRIOR_BIOPSY.search(before) or _PROVEN_TO_BE.search(before[-120:])):
        return True
    after = text_after(text, fact)
    return _may_match(after, _PRIOR_BIOPSY_AFTER_WORDS) and bool(_PRIOR_BIOPSY_AFTER.search(after))


# Literal prefilters (speed only): every alternative of ``_PRIOR_BIOPSY`` / ``_PRIOR_BIOPSY_AFTER``
# contains one of these words, so a sentence part with none of them cannot match.  Checked on
# ASCII text only, where IGNORECASE matching is exactly matching the lowered text.
_PRIOR_BIOPSY_WORDS = ("biops", "bx", "exc", "removal", "mohs", "previously", "already")  # "read as", "=" follow biops/bx
_PRIOR_BIOPSY_AFTER_WORDS = ("biops", "bx", "breslow", "clark", "radi", "xrt", "exc")


def _may_match(part: str, words: tuple[str, ...]) -> bool:
    """False only when ``part`` is ASCII and names none of ``words`` (so the regex cannot match)."""
    if not part.isascii():
        return True
    lower = part.lower()
    return any(word in lower for word in words)


def mark_proven_history(text: str, facts: list[Fact]) -> None:
    """Mark ``PRIOR_BIOPSY`` on each proven cancer written as history, and on its own site phrase."""
    for i, fact in enumerate(facts):
        if _proven_history(text, fact):
            fact.modifiers = fact.modifiers | {"PRIOR_BIOPSY"}
            for site in facts[i + 1 : i + 4]:  # its own site phrase: "... carcinoma of the right forearm"
                if site.label == "ANATOMIC_SITE" and site.mention.historical and _SITE_OF.match(text, fact.mention.end, site.mention.start):
                    site.modifiers = site.modifiers | {"PRIOR_BIOPSY"}


def _proven_history(text: str, fact: Fact) -> bool:
    """A cancer written as history but proven for this operation: "a history of squamous cell
    carcinoma ... that was diagnosed in the office after two biopsies", "previously radiated
    squamous cell carcinoma".  It is the lesion treated now (coding-rules 2.2), as "history of
    biopsy-proven BCC" already is by the ConText rules; a dated mention stays history."""
    m = fact.mention
    if m.label != "LESION_DIAGNOSIS" or not m.historical or "PRIOR_BIOPSY" in fact.modifiers:
        return False
    if (m.value or {}).get("behaviour") != "malignant" or m.negated or m.family or m.hypothetical:
        return False
    if _YEAR.search(sentence_text(text, fact)):
        return False
    return bool(_PRIOR_BIOPSY_AFTER.search(text_after(text, fact)) or _TREATED_BEFORE.search(text_before(text, fact)))


def _reports_pathology(sentence: str) -> bool:
    """Whether the sentence reports a pathology result, not a request or a wait for one."""
    for match in _PATHOLOGY_CUE.finditer(sentence):
        if _PATHOLOGY_PENDING_BEFORE.search(sentence, max(0, match.start() - 30), match.start()):
            continue  # "pending pathology report"
        if _PATHOLOGY_PURPOSE.search(sentence, match.start(), match.start("verb")):
            continue  # "submitted to pathology for confirmation"
        if _PATHOLOGY_PENDING_AFTER.search(sentence[match.end() : match.end() + 40]):
            continue  # "pathology report is pending"
        return True
    return False


def _in_pathology_list(text: str, fact: Fact) -> bool:
    """Whether the fact's clause continues a result list opened by a pathology report and a colon.

    "Pathology came back as follows: scalp, SCC in situ; back, dysplastic nevus; chest, SK": the
    semicolons end sentences, yet every clause after the colon is a result of that report.
    """
    if fact.sentence_span is None:
        return False
    before = text[: fact.sentence_span[0]].rstrip()
    if not before.endswith(";"):
        return False
    opened = max(before.rfind("\n"), before.rfind(". "), before.rfind("? "), before.rfind("! ")) + 1
    head = before[opened:].split(";")[0]
    return ":" in head and _reports_pathology(head)


def diagnosis_source(fact: Fact, text: str) -> str:
    """Where a diagnosis comes from: ``pathology``, ``postoperative``, ``preoperative`` or ``clinical``."""
    section = fact.mention.section
    if section in PATHOLOGY_SECTIONS:
        return "pathology"
    if _reports_pathology(sentence_text(text, fact)) or _in_pathology_list(text, fact):
        return "pathology"
    if section in POSTOP_SECTIONS:
        return "postoperative"
    if section in PREOP_SECTIONS:
        return "preoperative"
    return "clinical"


# Pathology names that say nothing about what the lesion was ("skin", a lesion word with no kind).
_UNINFORMATIVE_KINDS = frozenset({"skin_tag", "skin_lesion_nos"})


def tag_proven_other(lesion: Lesion) -> Lesion:
    """A single clinical skin tag that pathology calls something else was a shave removal.

    "6 mm pedunculated papule, clinically a skin tag ... snipped flush at the base, sent. Path:
    polypoid intradermal nevus": the lesion was removed whole, flush with the skin and unsutured,
    so it is a shave removal of that diagnosis, coded by its clinical diameter (coding-rules 3.2;
    3.3: a lesion removed entirely is not a biopsy); 11200 describes skin tags only.  A tag whose
    pathology is a fibroepithelial polyp stays a skin tag, and so does a record that stands for
    several tags (one report cannot name them all).
    """
    procedure, dx = lesion.procedure, lesion.diagnosis
    if procedure is None or procedure.kind != "skin_tag_removal" or dx is None or lesion.count > 1:
        return lesion
    if dx.source != "pathology" or not dx.certain or dx.kind in _UNINFORMATIVE_KINDS:
        return lesion
    return replace(lesion, procedure=replace(procedure, kind="shave"))
