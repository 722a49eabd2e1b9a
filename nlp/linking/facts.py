"""What linking knows about one mention, and which mentions it may use.

Every linking step reads a :class:`Fact` (a mention, its sentence and its ConText modifiers) and
asks the same questions of it: is it usable (asserted, in a section that counts), is it a site
that can anchor a lesion, what does its sentence say before and after it.  They live here so the
steps agree on the answers.  So do the generic words a note uses for a lesion it does not
diagnose (``GENERIC_LESION``): a list item that uses one describes a lesion (markers), and a
treated lesion may be named by nothing else (treated).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlp.records import Mention

PATHOLOGY_SECTIONS = frozenset({"pathology", "addendum"})
DIAGNOSIS_HEADER_SECTIONS = frozenset({"preoperative_diagnosis", "postoperative_diagnosis", "diagnosis"})
POSTOP_SECTIONS = frozenset({"postoperative_diagnosis"})
PREOP_SECTIONS = frozenset({"preoperative_diagnosis", "diagnosis", "indications", "history", "physical_exam"})
# Where the note tells the lesion's story; a removal word there ("drained", "removed") is history.
NARRATIVE_SECTIONS = frozenset({"indications", "history", "physical_exam"})
IGNORED_SECTIONS = frozenset(
    {"past_history", "family_history", "social_history", "medications", "allergies", "plan", "anesthesia", "other", "complications"}
)
# A plan section's facts count when ConText marks them done at this visit ("I froze it once").
PERFORMED_IN_SECTIONS = frozenset({"plan"})
PERFORMED = "PERFORMED"
# Marks a site mention from a wish or plan that stands in for the site (see is_wished_site).
WISHED_SITE = "WISHED_SITE"
# The generic words a note uses for a lesion it does not diagnose: "worrisome skin lesion", "nodule",
# "ear tag".  Not a diagnosis (the coding layer holds the lesion and asks for one), but with a
# performed procedure at a skin site it makes the lesion a treated one.  "Mass", "lump" and "tumor"
# only count with a word that puts them in the skin or under it ("subcutaneous mass", "soft tissue
# mass", "skin lump"): a bare "mass" at a body site is as often a breast, node, bone or organ mass.
GENERIC_LESION = re.compile(
    r"\b(?<!no )(?<!without )(?:lesions?|growths?|nodules?|papules?|plaques?|bumps?|tags?|neoplasms?"
    r"|(?:(?P<qualifier>skin|cutaneous|subcutaneous|subdermal|dermal|soft[- ]tissue|subfascial|intramuscular|fatty)\s+(?:\w+\s+)?)"
    r"(?:mass(?:es)?|lumps?|tumou?rs?))\b",
    re.IGNORECASE,
)
# A literal prefilter for GENERIC_LESION (speed only): each of its matches contains one of these
# words, so an ASCII stretch of text without any of them holds no match.
_GENERIC_LESION_WORDS = ("lesion", "growth", "nodule", "papule", "plaque", "bump", "tag", "neoplasm", "mass", "lump", "tumo")


def generic_lesion_words(text: str, start: int, end: int) -> list[re.Match[str]]:
    """The GENERIC_LESION matches in ``text[start:end]``, skipping the regex where none can be."""
    part = text[start:end]
    if part.isascii():
        lower = part.lower()
        if not any(word in lower for word in _GENERIC_LESION_WORDS):
            return []
    return list(GENERIC_LESION.finditer(text, start, end))


# "Site: R cheek", "Sites: neck, bilateral axillae", "Treatment locations: ...", "LOCATIONS AND NUMBER:
# Neck, 12; ...", a form's "Site(s) / number: neck 17  upper back 8": a template field that says where
# the note's lesions are (see :func:`in_site_field`).  The field opens its line, or follows a full
# stop on a line of run-on fields ("Procedure: Removal of skin tags. Location: neck and axillae.
# Number: 22."); then its value ends at the next full stop.
_SITE_FIELD_LABEL = (
    r"[ \t]*(?:(?:anatomic(?:al)?|lesion|tumou?r|biopsy|treatment)\s+)?(?:locations?|sites?|(?:location|site)\(s\))"
    r"(?:[ \t]*(?:/|&|and|\+)[ \t]*(?:numbers?|counts?|#|no\.?|qty))?[ \t]*:"
)
_SITE_FIELD_LINE = re.compile(_SITE_FIELD_LABEL + r"[^\n]*$", re.IGNORECASE)
_SITE_FIELD_RUN_ON = re.compile(r"\.[ \t]" + _SITE_FIELD_LABEL + r"(?:(?!\.\s)[^\n])*$", re.IGNORECASE)


def in_site_field(text: str, start: int) -> bool:
    """Whether the offset ``start`` lies in a "Site(s):" / "Location(s):" field, after its label."""
    line_start = text.rfind("\n", 0, start) + 1
    return _SITE_FIELD_LINE.match(text, line_start, start) is not None or _SITE_FIELD_RUN_ON.search(text, line_start, start) is not None


@dataclass
class Fact:
    """A mention plus what linking needs to know about where it sits."""

    mention: Mention
    sentence: int
    modifiers: frozenset[str] = frozenset()
    lesion: int | None = None
    sentence_span: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        # The mention's label, asked hundreds of times per note by the linking steps: a plain
        # attribute reads faster than a property (speed only; a mention's label never changes).
        self.label: str = self.mention.label

    @property
    def value(self) -> dict:
        return self.mention.value or {}


def ignored_section(fact: Fact) -> bool:
    section = fact.mention.section
    return section in IGNORED_SECTIONS and not (section in PERFORMED_IN_SECTIONS and PERFORMED in fact.modifiers)


def is_anchor(fact: Fact) -> bool:
    m = fact.mention
    return (
        m.label == "ANATOMIC_SITE"
        and not (m.negated or m.historical or m.family or m.hypothetical)
        and not ignored_section(fact)
    )


def is_wished_site(fact: Fact) -> bool:
    """A site named only inside a wish or plan ("would like the mole on his chin removed").

    Where a note names no site outright, such a mention still says where the lesion is.
    """
    m = fact.mention
    return (
        m.label == "ANATOMIC_SITE"
        and m.hypothetical
        and not (m.negated or m.historical or m.family)
        and m.section not in IGNORED_SECTIONS
    )


def usable(fact: Fact) -> bool:
    m = fact.mention
    if WISHED_SITE in fact.modifiers:
        return True  # marked only on sites is_wished_site accepted
    if m.negated or m.family or m.hypothetical:
        return False
    # ignored_section(fact), written out: usable is asked ~150 times per note (speed only)
    if m.section in IGNORED_SECTIONS and not (m.section in PERFORMED_IN_SECTIONS and PERFORMED in fact.modifiers):
        return False
    if m.historical and "PRIOR_BIOPSY" not in fact.modifiers:
        return False
    return True


def sentence_text(text: str, fact: Fact) -> str:
    if fact.sentence_span is not None:
        return text[fact.sentence_span[0] : fact.sentence_span[1]]
    start = text.rfind(". ", 0, fact.mention.start) + 1
    end = text.find(". ", fact.mention.end)
    return text[start : end if end != -1 else len(text)]


def text_after(text: str, fact: Fact) -> str:
    """The part of the fact's sentence that comes after it."""
    end = fact.sentence_span[1] if fact.sentence_span is not None else min(len(text), fact.mention.end + 200)
    return text[fact.mention.end : end]


def text_before(text: str, fact: Fact) -> str:
    """The part of the fact's sentence that comes before it."""
    start = fact.sentence_span[0] if fact.sentence_span is not None else max(0, fact.mention.start - 200)
    return text[start : fact.mention.start]

