"""Procedure details read from the words around a lesion's facts (no spaCy, no CPT).

Linking decides which facts belong to which lesion; this module adds what the coding layer needs
for the families other than excision, each from plain wording:

* how many like lesions one record stands for ("18 skin tags", "SCALP (10)", "16 lesions total");
* Mohs stages and tissue blocks per stage ("Stage I: 3 blocks", "two stages");
* the plane of a soft-tissue tumour ("subcutaneous", "beneath the fascia");
* whether an incision and drainage was complicated (packing, a drain, loculations);
* the defect area for tissue transfer and grafts, from areas in sq cm or from the length x width
  of the primary and secondary defects;
* how many days ago an earlier excision of the same lesion was (re-excisions, modifier 58);
* which special structures the excision took in (lid margin, tarsus, conjunctiva, vermilion,
  mucosa, cartilage), which decide between the skin codes and the site-specific ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal

from nlp.cues import default_cues
from nlp.records import Lesion, Measure, Span

COUNTED_KINDS = frozenset({"destruction", "skin_tag_removal", "incision_drainage"})
"""Procedure kinds whose lesions are counted rather than measured."""

_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "dozen": 12, "a dozen": 12,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50}
_UNITS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
# "twenty-five", "thirty one", "a dozen", "16", "sixteen"
_NUMBER = (
    r"(\d{1,3}|(?:" + "|".join(_TENS) + r")(?:[- ](?:" + "|".join(_UNITS) + r"))?|(?:a\s+)?dozen|"
    + "|".join(sorted((w for w in _WORDS if w not in _TENS and "dozen" not in w), key=len, reverse=True)) + r")"
)
# "~25", "approximately 25", "about ten", "(approx. 12)": an approximate count is the number written.
_APPROX = r"(?:(?:~|≈|approx(?:imately|\.)?|about|around|roughly|circa|ca\.)[ \t]*)?"
# Numbers that measure the treatment, not the lesions: sizes, times (also written short: "x4 d",
# "x2 wks", "x3 mos"), freeze-thaw cycles, passes.
# "2 in" may be inches; "eleven in the right axilla" and "26 in all" are not.
_NOT_A_UNIT = (
    r"(?!\.\d)"  # the "2" of "2.5 cm"
    r"(?!\s*(?:-\s*)?(?:cm|mm|millimet|centimet|%|in\b(?![ \t]+(?:the|his|her|their|each|both|all|total|a|an)\b)|inch|x\b|sq|cc|ml|mg|"
    r"days?|d\b|weeks?|wks?\b|months?|mos?\b|years?|yrs?\b|hours?|hrs?\b|y/?o|cycles?|freeze|ftc|f/t|thaws?|passes|pass\b|rounds?|applications?|times\b|seconds?|secs?\b|s\b|"
    r"minutes?|mins?\b|stages?|layers?|sutures?|mm?\b))"
)
# "six (6)", "Twenty-two (22)": a count written in words and repeated in figures in brackets.
_ECHO = r"(?:[ \t]*\([ \t]*\d{1,3}[ \t]*\))?"
# A dot leader between a table row's label and its value: "NECK ........ 14", "TOTAL ..... 25".
_LEADER = r"[ \t]*\.{3,}[. \t]*"
# "SCALP (10)", "neck, both sides: 18", "forehead x3", "left cheek - 4"
_COUNT_AFTER_SITE = re.compile(
    # Used with .match() at the end of the site: "^" would never match there.
    r"[^;.\n\d(:]{0,24}?(?:\(\s*(?:n\s*=\s*)?|[:=×]\s*|\bx\s*|\s[-–]\s*)" + _APPROX + _NUMBER + r"\b" + _NOT_A_UNIT
    # "NECK 16; LEFT AXILLA 11", "vertex scalp 9, R forearm 5", "abdomen 6 (along the waistband)":
    # a bare number closing the item, or before a remark in brackets
    + r"|[ \t]+" + _APPROX + _NUMBER + r"(?=[ \t]*(?:[;,\n(]|\.(?!\d)|$))"  # not the "2" of "2.5 cm"
    # "in the right axilla I counted 24": the examiner's count of the site just named, not a total
    + r"|,?[ \t]+(?:(?:I|we)[ \t]+)?counted[ \t]+" + _APPROX + _NUMBER + r"\b" + _NOT_A_UNIT
    # "NECK ........ 14": a table row whose dot leader runs to the count at the end of the line
    + r"|" + _LEADER + _APPROX + _NUMBER + r"(?=[ \t]*(?:\n|$))"
    # "| Neck | 11 | snip |": a table row whose next cell holds the count (nineteenth set, decision 3)
    + r"|[ \t]*\|[ \t]*" + _APPROX + _NUMBER + r"(?=[ \t]*\|)"
    # "LOCATION 1a: right axilla\n  COUNT 1a: 14": a template's count field on the line after the site
    + r"|[ \t]*\n[ \t]*(?:count|number(?:[ \t]+removed|[ \t]+treated)?|no\.|#)(?:[ \t]+\d{1,2}[a-z]?)?[ \t]*[:=][ \t]*" + _APPROX + _NUMBER + r"\b" + _NOT_A_UNIT,
    re.IGNORECASE,
)
# "three more from the upper chest", "12 on the back and 8 on the chest", "Thirteen came off the neck"
_COUNT_BEFORE_SITE = re.compile(
    r"\b" + _NUMBER + r"\b" + _NOT_A_UNIT + r"\s+(?:(?:more|others?|additional|further|lesions|tags|of\s+them)\s+)?"
    r"(?:\w+\s+){0,2}?(?:from|off|on|of|at|over|to|in)\s+(?:the\s+|his\s+|her\s+)?$"
    # "~14 R groin, ~16 L groin": a number right before the site, opening a list item (not the
    # "2" of "Lesion 2 L cheek" or "#2 L cheek")
    + r"|(?:^|[,;:(\n]|\band\b|&)[ \t]*" + _APPROX + _NUMBER + r"\b" + _NOT_A_UNIT + r"[ \t]+$",
    re.IGNORECASE,
)
# Words that describe the lesions between a count and their diagnosis ("two gritty AKs"); a
# closed list, because "two biopsy-proven basal cell carcinomas" at two sites counts them all.
_DESCRIBING = (
    "small|tiny|large|separate|additional|more|further|hyperkeratotic|pedunculated|irritated|inflamed|scaly|thin|thick|typical|"
    "clinically\\s+typical|gritty|rough|crusted|crusty|keratotic|erythematous|pink|red|tan|brown|flat|raised|waxy|stuck-on|"
    "soft|fleshy|filiform|friable|itchy|new|other|similar"
)
# "18 skin tags", "three actinic keratoses", "12 small acrochordons", "two gritty AKs"; "LN2 x3 AKs",
# "cryo x 4 SKs" (a times sign before the diagnosis counts it, as "AKs x3" after it does)
_COUNT_BEFORE = re.compile(
    r"(?:(?<![#\w.])|\b[x×][ \t]?)" + _NUMBER + r"\s+(?:(?:" + _DESCRIBING + r")\s+){0,2}$", re.IGNORECASE
)
# "Removed 14 of the 17 tags": only the part the note says it treated is counted, not the lesions
# examined (nineteenth set, decision 1); "every one of the eighteen" is all of them
_PART_OF = re.compile(r"(?<!every\s)(?<!each\s)(?<!any\s)\b" + _NUMBER + r"\s+of\s+(?:the\s+|these\s+|those\s+|her\s+|his\s+|their\s+)?$", re.IGNORECASE)
# "Lesion 2 AK", "site 3 SKs", "stage 2": a number that names a lesion or step, not how many
_NUMBERING_WORD = re.compile(r"\b(?:lesions?|sites?|specimens?|spec|no|nos|number|stage|step|day|pod|grade|level|area)\s*$", re.IGNORECASE)
# "AKs x21", "SKs x 15", "warts #4", "acrochordons (7)", "AKs: 5": the count right after the diagnosis
# "warts, three (3)": after a comma, only a count echoed in figures (decision 3 of the sixteenth set),
# or a bare number that closes the line ("Procedure: removal of skin tags, 18" in a sign-off summary;
# twenty-fifth set, decision 4)
_COUNT_AFTER_DX = re.compile(
    r"[ \t]*(?:[x×#]\s*|\(\s*(?:n\s*=\s*)?|:[ \t]*)" + _APPROX + _NUMBER + r"\b" + _NOT_A_UNIT
    + r"|,[ \t]*" + _NUMBER + r"[ \t]*\([ \t]*\d{1,3}[ \t]*\)"
    + r"|,[ \t]*" + _NUMBER + r"[ \t]*\.?[ \t]*(?=\n|$)",
    re.IGNORECASE,
)
# "destruction of 3 lesions", "a total of 31", "16 LESIONS TOTAL", "Total: 31"
_COUNT_NOUN = re.compile(r"\b" + _NUMBER + r"\s+(?:(?:\w+\s+){0,2})(?:lesions|tags|aks|keratoses|acrochordons|warts|verrucae|spots|growths|papules|ones|cysts|abscesses)\b", re.IGNORECASE)
_TOTAL = re.compile(
    r"\b(?:(?:a\s+)?total(?:\s+(?:of|removed|treated|destroyed|snipped|count|number))?|totall?ing|in\s+all)(?:\s*[:=]?\s*|" + _LEADER + r"|[ \t]*\|[ \t]*)" + _NUMBER + r"\b" + _NOT_A_UNIT
    # "9 + 4 + 3 = 16": a sum written out, whose result is the total
    + r"|\b\d{1,3}(?:[ \t]*\+[ \t]*\d{1,3})+[ \t]*=[ \t]*" + _NUMBER + r"\b" + _NOT_A_UNIT
    # "Total lesions destroyed: 15", "Total number of AKs treated = 9", "Tot 15"
    + r"|\btot(?:al)?\.?(?:\s+number\s+of)?\s+(?:lesions|tags|aks|sks|keratoses|acrochordons|warts|verrucae|mollusc[a-z]*|sts)"
    r"(?:\s+(?:removed|treated|destroyed|snipped|frozen|curetted))?\s*[:=]?\s*" + _NUMBER + r"\b" + _NOT_A_UNIT
    + r"|\btot\.?\s*[:=]?\s*" + _NUMBER + r"\b" + _NOT_A_UNIT
    # a template field: "Number removed: 27", "Number of lesions treated = 9", "# of tags: 18"
    + r"|(?:\bnumber|\bno\.|#)[ \t]*(?:of[ \t]+(?:lesions|tags|skin[ \t]+tags|aks|sks|keratoses|acrochordons|warts|verrucae)"
    r"(?:[ \t]+(?:removed|treated|destroyed|snipped|frozen))?|removed|treated|destroyed|snipped|frozen)[ \t]*[:=][ \t]*" + _NUMBER + r"\b" + _NOT_A_UNIT
    # "60 in all", "15 lesions total", within one line: the "9" closing the list item above
    # "Approximately 60 in all" is a site's count, not the total. A count echoed in figures
    # ("Twenty-two (22) tags were removed in total") counts once (sixteenth set, decision 3).
    + r"|\b" + _NUMBER + r"\b" + _NOT_A_UNIT + _ECHO + r"[ \t]+(?:\w+[ \t]+){0,3}?(?:in[ \t]+total|total|in[ \t]+all)\b"
    # "AKs x14", "skin tags x 20"
    + r"|\b(?:aks|sks|lesions|tags|keratoses|acrochordons|warts|verrucae|cysts)\s*[x×#]\s*" + _NUMBER + r"\b"
    # "I counted sixteen", "all sixteen were removed"
    + r"|\bcounted\s+" + _NUMBER + r"\b" + _NOT_A_UNIT
    + r"|\ball\s+" + _NUMBER + r"\s+(?:were|was|of\s+them|are)\b"
    # a quantity field or a statistician's n: "Qty: 26", "Quantity 12", "(n=26)", "N = 35"
    # (twenty-second set, decision 1)
    + r"|(?:(?:\bqty\.?|\bquantity)[ \t]*[:=#]?|(?<![\w/])n[ \t]*=)[ \t]*" + _NUMBER + r"\b" + _NOT_A_UNIT + r"(?![-/]\d)"
    # the number right after a removal verb: "removed 16 due to time", "removed 40 today",
    # "removed x 17" (a plan's "Plan was 20" is not what was done: twenty-second set, decision 1)
    + r"|\b(?:removed|snipped|clipped|excised|destroyed|frozen|froze|treated)[ \t]+(?:[x×][ \t]*)?" + _NUMBER + r"\b" + _NOT_A_UNIT
    + r"(?![ \t]*[-/+][ \t]*\d)"  # not the "10" of "10+6 = 16" or of "10-12"
    # "removal of all of them (18)", "all (18) snipped": a collective count in brackets
    + r"|\ball(?:[ \t]+of[ \t]+them)?[ \t]*\([ \t]*" + _NUMBER + r"[ \t]*\)"
    # "too many to count; about 30 removed", "14 snipped today": the number stated as removed
    # (twenty-first set, decision 4), not "5 sutures removed" (a noun between is no lesion count)
    + r"|(?<![\w.#/])" + _APPROX + _NUMBER + r"\b" + _NOT_A_UNIT + r"[ \t]+(?:were[ \t]+|was[ \t]+)?(?:removed|snipped|excised|destroyed|treated)\b",
    re.IGNORECASE,
)
# "snipped at base with curved scissors x 17", "LN2 x 6, 2 FTC each": a times sign and a number in
# the procedure's own sentence counts the lesions it treated (a number of cycles, passes, days or
# sizes carries its unit, _NOT_A_UNIT)
# "Curetted x3", "ED&C x2": a curette's passes (and a cancer's cycles) are not lesions; a cancer is
# counted by its own records, never by a times sign.
_CURETTAGE = re.compile(r"\bcurett\w*|\bed\s*&\s*c\b|\bc\s*&\s*d\b|\belectrodesiccation\s+and\s+curettage\b", re.IGNORECASE)
_TIMES_COUNT = re.compile(r"(?<![\w×])[x×][ \t]*" + _NUMBER + r"\b" + _NOT_A_UNIT + r"(?![-/.]\d)", re.IGNORECASE)

# The Mohs log and stage-count cues are data (resources/linking_cues.json, ``mohs.*``), read once at
# import; the count-number grammar above is passed in, since the lesion counts here share it.
_CUES = default_cues()
# "Stage I: 3 blocks", "second stage ... two blocks", and in a Mohs log a roman numeral opening the
# line ("II: 3 blocks"; not "I." or "II.", which number a report's parts).
_STAGE_BLOCKS = _CUES.regex(
    "mohs.stage_blocks", groups=("stage_number", "stage_ordinal", "stage_roman", "blocks"), count_words="|".join(_WORDS),
)
# "two stages", "Total stages: 2", "Stages 3 / blocks 8" ("layers 4-0 Monocryl" is a suture)
_STAGE_COUNT = _CUES.regex("mohs.stage_count", number=_NUMBER)
_STAGE_NUMBER = _CUES.regex("mohs.stage_number", groups=("number", "ordinal"))
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "first": 1, "second": 2, "third": 3, "fourth": 4}

_SUBFASCIAL = re.compile(r"\b(?:sub-?fascial|intramuscular|deep\s+to\s+(?:the\s+)?(?:deep\s+)?fascia|beneath\s+(?:the\s+)?(?:deep\s+)?fascia|below\s+(?:the\s+)?(?:deep\s+)?fascia|submuscular|within\s+the\s+muscle)\b", re.IGNORECASE)
_SUBCUTANEOUS = re.compile(r"\b(?:subcutaneous|subcutis|sub-?q|in\s+the\s+(?:subcutaneous\s+)?fat|above\s+the\s+(?:deep\s+)?fascia|superficial\s+to\s+(?:the\s+)?fascia)\b", re.IGNORECASE)
_NOT_DEEP = re.compile(r"\b(?:not|no|nothing)\s+(?:\w+\s+){0,3}?(?:sub-?fascial|intramuscular|deep\s+to|beneath|below)\b", re.IGNORECASE)

# A depth wording that is a guess or an imaging reading: a hedge word just before it, or an
# imaging study earlier in its sentence.
_HEDGE_BEFORE = re.compile(r"\b(?:possibl[ey]|probabl[ey]|likely|perhaps|questionabl[ey]|suspect(?:ed)?|suspicious\s+for|concern(?:ing)?\s+for|may\s+(?:be|lie|extend)|might\s+(?:be|lie|extend)|could\s+(?:be|lie|extend)|\?)\W*(?:\w+\W+){0,2}$", re.IGNORECASE)
_IMAGING = re.compile(r"\b(?:ultrasound|ultrasonograph\w*|sonograph\w*|u/?s|mri|ct|imaging|radiolog\w*|scan)\b", re.IGNORECASE)
_SENTENCE_START = re.compile(r"[.;!?\n][^.;!?\n]*$")


def _imaging_or_hedged(text: str, start: int) -> bool:
    """True when the depth wording at ``start`` is hedged or reported from imaging."""
    if _HEDGE_BEFORE.search(text, max(0, start - 40), start):
        return True
    head = _SENTENCE_START.search(text, 0, start)
    sentence_start = head.start() + 1 if head else 0
    return bool(_IMAGING.search(text, sentence_start, start))


_COMPLICATED = re.compile(
    r"\b(?:pack(?:ed|ing)|iodoform|wick|(?:penrose\s+)?drain\s+(?:was\s+)?(?:placed|left|inserted)|loculations?\s+(?:were\s+)?(?:broken|lysed|disrupted)|"
    r"multiple\s+(?:abscesses|cavities|loculations|sites)|complicated)\b",
    re.IGNORECASE,
)
_NOT_COMPLICATED = re.compile(r"\b(?:no|without|not)\s+(?:\w+\s+){0,2}?(?:pack(?:ed|ing)|drain|wick|complicat\w*)\b|\buncomplicated\b", re.IGNORECASE)

_PRIOR_DAYS = re.compile(r"\b" + _NUMBER + r"\s+(days?|weeks?)\s+(?:ago|earlier|before|after|prior|post-?op)", re.IGNORECASE)
_POSTOP_DAY = re.compile(r"\b(?:post-?operative|post-?op)\s+day\s+(\d{1,2})\b|\bpod\s*#?\s*(\d{1,2})\b", re.IGNORECASE)


# Structures whose involvement points to a site-specific code, by the lesion's region.  The
# patterns are data (resources/linking_cues.json, ``structure.*``): how surgeons name the lid
# margin ("lash line", "grey line"), the vermilion and the lip mucosa ("wet lip", "inner lip").
_STRUCTURE = {
    "lid margin": _CUES.regex("structure.lid_margin"),
    "tarsus": _CUES.regex("structure.tarsus"),
    "conjunctiva": _CUES.regex("structure.conjunctiva"),
    "vermilion": _CUES.regex("structure.vermilion"),
    "mucosa": _CUES.regex("structure.mucosa"),
    "cartilage": _CUES.regex("structure.cartilage"),
}
_STRUCTURES_BY_REGION = {
    "eyelid": ("lid margin", "tarsus", "conjunctiva"),
    "lip": ("vermilion", "mucosa"),
    "mouth": ("mucosa",),
    "ear": ("cartilage",),
    "nose": ("cartilage",),
}
# One case-sensitive pass over the lower-cased note per region says whether any of its structures
# is named at all (the usual answer is no); case-blind alternations cost re several times more.
_ANY_STRUCTURE = {
    region: re.compile("|".join(f"(?:{_STRUCTURE[name].pattern})" for name in names))
    for region, names in _STRUCTURES_BY_REGION.items()
}
# "the tarsal plate was not entered", "sparing the lid margin", "cartilage intact", "the vermilion
# itself looks normal" (an examined structure said to be normal is not the lesion's bed)
_SPARED = _CUES.regex("structure.spared")
# "3 mm from the lid margin", "just above the vermilion border", "halfway between the nostril sill
# and the vermilion border": a landmark, not the lesion's bed.
_LANDMARK_BEFORE = _CUES.regex("structure.landmark_before")
_LANDMARK_REACH = 60
"""How far before a structure word (characters) a landmark cue is looked for."""
_CLAUSE_END = re.compile(r"[.;\n]|,\s+(?:but|and)\b")


def number(word: str) -> int | None:
    """``"12"`` or ``"twelve"`` as an int."""
    word = " ".join(word.lower().replace("-", " ").split())
    if word.isdigit():
        return int(word)
    if word in _WORDS:
        return _WORDS[word]
    tens, _, unit = word.partition(" ")
    if tens in _TENS and unit in _UNITS:
        return _TENS[tens] + _UNITS.index(unit) + 1
    return None


def add_counts(
    text: str, lesions: list[Lesion], site_mentions: dict[int, list[tuple[int, int, bool]]] | None = None
) -> list[Lesion]:
    """Set ``count`` on counted lesions (destruction, skin tags) from the note's numbers.

    A number next to a lesion's own site, or before a diagnosis no other lesion has used (or
    before lesion nouns in the diagnosis's clause: "Six rough scaly papules, clinically AKs"),
    counts that lesion; a note's total ("23 in all", "Destruction of 3 lesions" shared by
    several sites) fills in the lesions that have no count of their own.

    A lesion's site may be named more than once (``site_mentions`` by lesion index: start, end and
    whether the mention's sentence names a procedure done): the number at a mention in a treatment
    sentence ("we removed twenty-two: thirteen from the neck") counts it first, for only the
    lesions removed are counted, not those examined ("about twenty tags on the neck"; nineteenth
    set, decision 1); then the number at the site the record names, then at any other mention
    (the exam's "mostly neck" and the plan's "neck 16").
    """
    counted = [lesion for lesion in lesions if is_counted(lesion)]
    if not counted:
        return lesions
    users: dict[int, int] = {}
    for lesion in counted:
        if lesion.procedure is not None:
            users[lesion.procedure.span.start] = users.get(lesion.procedure.span.start, 0) + 1
    found: dict[int, int] = {}
    used_diagnoses: set[int] = set()
    for lesion in counted:
        shared = lesion.procedure is not None and users[lesion.procedure.span.start] > 1
        value = _count_for(text, lesion, used_diagnoses, procedure_shared=shared, other_sites=(site_mentions or {}).get(lesion.index, ()))
        if value:
            found[lesion.index] = value
    totals = [_total(text)] + [
        _procedure_count(text, lesion) for lesion in counted if lesion.procedure is not None and users[lesion.procedure.span.start] > 1
    ]
    total = max((t for t in totals if t), default=None)
    if total and total > sum(found.values()):
        # A malignant lesion destroyed is one lesion unless its own count says otherwise: a note's
        # total ("AKs x5") is the premalignant and benign lesions'.
        missing = [lesion for lesion in counted if lesion.index not in found and not malignant(lesion)]
        if missing:
            rest = total - sum(found.values())
            for position, lesion in enumerate(missing):
                found[lesion.index] = max(1, rest - (len(missing) - 1)) if position == 0 else 1
        elif len(counted) == 1 and not malignant(counted[0]):
            # "ED&C of the BCC ... SKs x3, not treated": the total counts the lesions left alone
            found[counted[0].index] = total
    return [replace(lesion, count=found[lesion.index], count_stated=True) if lesion.index in found else lesion for lesion in lesions]


def malignant(lesion: Lesion | None) -> bool | None:
    """Whether a lesion is a cancer by its diagnosis; None for no lesion or no diagnosis.

    A cancer is sized, not counted: a note's total of other lesions is never its count, and a
    cancer's destruction is not shared with benign or premalignant lesions (linking.sharing).
    """
    if lesion is None or lesion.diagnosis is None:
        return None
    return lesion.diagnosis.behaviour == "malignant"


def is_counted(lesion: Lesion) -> bool:
    """Whether the lesion is counted rather than measured (a destruction, a skin tag, a drainage)."""
    kind = lesion.procedure.kind if lesion.procedure else None
    return kind in COUNTED_KINDS or bool(lesion.diagnosis and lesion.diagnosis.kind == "skin_tag")


def site_count(text: str, start: int, end: int) -> int | None:
    """The count written at a site mention ``text[start:end]``: "forehead x3", "neck 12", "~16 L groin"."""
    match = _COUNT_AFTER_SITE.match(text, end, min(len(text), end + 40)) or _COUNT_BEFORE_SITE.search(text, max(0, start - 60), start)
    return number(next(g for g in match.groups() if g)) if match else None


def diagnosis_count(text: str, start: int, end: int) -> int | None:
    """The count written at a diagnosis mention ``text[start:end]``: "two gritty AKs", "AKs x2", "SKs: 5"."""
    match = _COUNT_BEFORE.search(text, max(0, start - 40), start)
    if match is not None and _NUMBERING_WORD.search(text, max(0, match.start() - 12), match.start()):
        match = None  # "Lesion 2 AK": a number that names the lesion
    if match is not None:
        match = _part_of(text, match) or match
    match = match or _COUNT_AFTER_DX.match(text, end, min(len(text), end + 24))
    return number(next(g for g in match.groups() if g)) if match else None


def _part_of(text: str, match: re.Match[str]) -> re.Match[str] | None:
    """"Removed 14 of the 17 tags": the part before a diagnosis's count, if the note writes one."""
    return _PART_OF.search(text, max(0, match.start() - 30), match.start())


def _part_count(text: str, start: int) -> int | None:
    """The treated part written before the diagnosis at ``start`` ("snipped 9 of the 12 tags"), or None."""
    match = _COUNT_BEFORE.search(text, max(0, start - 40), start)
    part = _part_of(text, match) if match is not None else None
    return number(part.group(1)) if part else None


def _count_for(
    text: str, lesion: Lesion, used_diagnoses: set[int], *, procedure_shared: bool, other_sites: Iterable[tuple[int, int, bool]] = ()
) -> int | None:
    for dx in lesion.diagnoses:
        value = _part_count(text, dx.span.start) if dx.span.start not in used_diagnoses else None
        if value:  # the part treated beats the lesions examined at the site or by the diagnosis
            used_diagnoses.add(dx.span.start)
            return value
    mentions = sorted(other_sites)
    spans = [(start, end) for start, end, done in mentions if done]
    if lesion.site is not None:
        spans.append((lesion.site.span.start, lesion.site.span.end))
    spans += [(start, end) for start, end, _ in mentions]
    for start, end in spans:
        value = site_count(text, start, end)
        if value:
            return value
    for dx in lesion.diagnoses:
        if dx.span.start in used_diagnoses:
            continue  # "Twelve skin tags ... from the neck and three more from the chest": the twelve are the neck's
        value = diagnosis_count(text, dx.span.start, dx.span.end)
        if not value:
            match = _COUNT_IN_CLAUSE.search(text, _clause_start(text, dx.span.start), dx.span.start)
            value = number(next(g for g in match.groups() if g)) if match else None
        if value:
            used_diagnoses.add(dx.span.start)
            return value
    if lesion.procedure is not None and not procedure_shared:
        return _procedure_count(text, lesion)
    return None


# "C. Six rough scaly papules, clinically AKs": a count of lesion nouns in the clause that names the
# diagnosis counts it ("3 lesions treated: an SK ..." does not: the clause starts after the colon).
_CLAUSE_OPEN = re.compile(r"[;:\n]|\.(?!\d)")
_COUNT_IN_CLAUSE = re.compile(
    r"\b" + _NUMBER + r"\b" + _NOT_A_UNIT + r"\s+(?:\w+\s+){0,2}?(?:lesions|aks|keratoses|acrochordons|warts|verrucae|papules|growths|spots|tags)\b",
    re.IGNORECASE,
)


def _clause_start(text: str, end: int, limit: int = 60) -> int:
    """Start of the clause that ends at ``end``, at most ``limit`` characters back."""
    start = max(0, end - limit)
    for match in _CLAUSE_OPEN.finditer(text, start, end):
        start = match.end()
    return start


def _procedure_count(text: str, lesion: Lesion) -> int | None:
    """"Destruction of 3 lesions", "snipped x 17": the count in the procedure's sentence."""
    assert lesion.procedure is not None
    start = max(text.rfind(".", 0, lesion.procedure.span.start), text.rfind("\n", 0, lesion.procedure.span.start)) + 1
    end = text.find(".", lesion.procedure.span.end)
    window = text[start : end if end != -1 else len(text)][-240:]
    match = _COUNT_NOUN.search(window)
    if match is None and not malignant(lesion) and not _CURETTAGE.search(window):
        match = _TIMES_COUNT.search(window)
    return number(match.group(1)) if match else None


def _total(text: str) -> int | None:
    values = [number(next(g for g in m.groups() if g)) for m in _TOTAL.finditer(text)]
    values = [v for v in values if v]
    return max(values) if values else None


def mohs_details(text: str) -> tuple[int | None, tuple[int, ...]]:
    """Stages and blocks per stage of the Mohs surgery described in ``text``."""
    blocks: dict[int, int] = {}
    for match in _STAGE_BLOCKS.finditer(text):
        word = (match.group("stage_number") or match.group("stage_ordinal") or match.group("stage_roman")).lower()
        stage = _ROMAN.get(word) or number(word)
        count = number(match.group("blocks"))
        if stage and count:
            blocks.setdefault(stage, count)
    stages = max(blocks) if blocks else None
    for match in _STAGE_COUNT.finditer(text):
        value = number(next(g for g in match.groups() if g))
        if value and value <= 10:
            stages = max(stages or 0, value)
    for match in _STAGE_NUMBER.finditer(text):
        word = (match.group("number") or match.group("ordinal")).lower()
        value = _ROMAN.get(word) or number(word)
        if value and value <= 10:
            stages = max(stages or 0, value)
    ordered = tuple(blocks.get(stage, 0) for stage in range(1, (stages or 0) + 1)) if blocks else ()
    return stages, ordered


def depth_of(text: str) -> str | None:
    """``subfascial`` or ``subcutaneous`` when the note states the tumour's plane.

    The plane is the operative finding: a subfascial wording that is hedged ("possibly deep to
    the fascia") or read off imaging ("the MRI suggested an intramuscular lipoma") is what the
    surgeon prepared for, not what was found, so it does not count.
    """
    if any(not _imaging_or_hedged(text, m.start()) for m in _SUBFASCIAL.finditer(text)) and not _NOT_DEEP.search(text):
        return "subfascial"
    if _SUBCUTANEOUS.search(text):
        return "subcutaneous"
    return None


def drainage_complicated(text: str) -> bool:
    """True when the drainage needed packing, a drain or the breaking of loculations."""
    return bool(_COMPLICATED.search(text)) and not _NOT_COMPLICATED.search(text)


def prior_excision_days(text: str) -> int | None:
    """Days since an earlier procedure on the lesion, when the note states it."""
    for match in _PRIOR_DAYS.finditer(text):
        value = number(match.group(1))
        if value is not None:
            return value * (7 if match.group(2).lower().startswith("week") else 1)
    match = _POSTOP_DAY.search(text)
    if match:
        return int(match.group(1) or match.group(2))
    return None


def defect_area(
    measures: list[Measure], areas: list[Measure], *, add_stated: bool = False
) -> tuple[Measure | None, tuple[Measure, ...]]:
    """Total defect area: the sum of the distinct defects the note measures.

    Without ``add_stated`` (a graft: only the recipient defect counts) a stated area wins
    alone: the largest one.  With ``add_stated`` (an adjacent tissue transfer: primary plus
    secondary defect) every distinct stated area ("primary defect 9 sq cm ... secondary defect
    6.5 sq cm") and every length x width defect not already stated as an area ("final defect
    1.0 x 1.2 cm ... secondary defect 3.0 sq cm") is added up; an area stated twice counts
    once, and a stated total that equals the sum of the other parts is that total.
    """
    parts: list[Measure] = []
    seen: set[tuple[Decimal, ...]] = set()
    for measure in measures:
        if len(measure.dimensions) < 2:
            continue
        key = tuple(sorted(measure.dimensions))
        if key in seen:
            continue
        seen.add(key)
        area = measure.dimensions[0] * measure.dimensions[1]
        parts.append(Measure(value_cm=area, span=measure.span, kind="defect_area", dimensions=measure.dimensions[:2], unit="sq cm"))
    if areas and not add_stated:
        return max(areas, key=lambda m: m.value_cm), ()
    if areas:
        stated: list[Measure] = []
        for measure in areas:
            if all(m.value_cm != measure.value_cm for m in stated):
                stated.append(measure)
        parts = stated + [p for p in parts if all(m.value_cm != p.value_cm for m in stated)]
        largest = max(parts, key=lambda m: m.value_cm)
        others = [p for p in parts if p is not largest]
        if len(parts) == 1 or sum((p.value_cm for p in others), Decimal(0)) == largest.value_cm:
            return largest, ()
        parts.sort(key=lambda m: m.span.start)
    if not parts:
        return None, ()
    total = sum((p.value_cm for p in parts), Decimal(0))
    first = parts[0].span
    return Measure(value_cm=total, span=Span(first.start, first.end, first.text), kind="defect_area", unit="sq cm"), tuple(parts)


def involved_structures(text: str, region: str) -> tuple[str, ...]:
    """The special structures of ``region`` the note says the lesion or its excision took in.

    A structure named as spared ("the tarsal plate was not entered") or as a landmark ("2 mm
    from the lid margin") does not count.
    """
    found: list[str] = []
    names = _STRUCTURES_BY_REGION.get(region, ())
    if not names or not _ANY_STRUCTURE[region].search(text.lower()):
        return ()
    for name in names:
        for match in _STRUCTURE[name].finditer(text):
            starts = [m.end() for m in _CLAUSE_END.finditer(text, 0, match.start())]
            clause_start = starts[-1] if starts else 0
            end_match = _CLAUSE_END.search(text, match.end())
            clause = text[clause_start : end_match.start() if end_match else len(text)]
            if _SPARED.search(clause) or _LANDMARK_BEFORE.search(text, max(clause_start, match.start() - _LANDMARK_REACH), match.start()):
                continue
            found.append(name)
            break
    return tuple(found)
