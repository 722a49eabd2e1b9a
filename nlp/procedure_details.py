"""Procedure details read from the words around a lesion's facts (no spaCy, no CPT).

Linking decides which facts belong to which lesion; this module adds what the coding layer needs
for the families other than excision, each from plain wording:

* how many like lesions one record stands for ("18 skin tags", "SCALP (10)", "16 lesions total"),
  each written number counted once ("26 tags from the neck, axillae, and groin" is their total);
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
from functools import lru_cache

from nlp.casefold_scan import case_sensitive, lowered_ascii
from nlp.cues import default_cues
from nlp.gated_alternation import GatedAlternation
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
# Counts in dozens (twenty-fourth set, decision 2): "two dozen" is 24, "a dozen and a half" 18.
_DOZENS = {"a dozen and a half": 18, "dozen and a half": 18, "half a dozen": 6, "two dozen": 24, "three dozen": 36, "four dozen": 48}
_DOZEN_NUMBER = r"(?:a\s+)?dozen\s+and\s+a\s+half|half\s+a\s+dozen|(?:two|three|four)\s+dozen"
# "twenty-five", "thirty one", "a dozen", "two dozen", "16", "sixteen"
_NUMBER = (
    r"(\d{1,3}|" + _DOZEN_NUMBER + r"|(?:" + "|".join(_TENS) + r")(?:[- ](?:" + "|".join(_UNITS) + r"))?|(?:a\s+)?dozen|"
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
    r"[^;.\n\d(:]{0,24}?(?:[:=×]\s*|\bx\s*|\s[-–]\s*)" + _APPROX + _NUMBER + r"\b" + _NOT_A_UNIT
    # "neck (12)", "(n=12)"; not "12 from the neck (28 in total)", the note's total after the last site
    + r"|[^;.\n\d(:]{0,24}?\(\s*(?:n\s*=\s*)?" + _APPROX + _NUMBER + r"\b" + _NOT_A_UNIT + r"(?![ \t]+(?:in[ \t]+)?(?:total|all)\b)"
    # "NECK 16; LEFT AXILLA 11", "vertex scalp 9, R forearm 5", "abdomen 6 (along the waistband)":
    # a bare number closing the item, or before a remark in brackets
    + r"|[ \t]+" + _APPROX + _NUMBER + r"(?=[ \t]*(?:[;,\n(]|\.(?!\d)|$))"  # not the "2" of "2.5 cm"
    # "neck 11, axillae 7 - hyfrecator snip": the last site's count before a dash and the technique
    + r"|[ \t]+" + _APPROX + _NUMBER + r"(?=[ \t]+[-–][ \t]+[a-z])"
    # "ne ck  17        upp er back  8": a form's row, whose count ends at the wide gap before the next column
    + r"|[ \t]+" + _APPROX + _NUMBER + r"\b" + _NOT_A_UNIT + r"(?=[ \t]{3,}\S)"
    # "in the right axilla I counted 24": the examiner's count of the site just named, not a total
    + r"|,?[ \t]+(?:(?:I|we)[ \t]+)?counted[ \t]+" + _APPROX + _NUMBER + r"\b" + _NOT_A_UNIT
    # "NECK ........ 14": a table row whose dot leader runs to the count at the end of the line
    + r"|" + _LEADER + _APPROX + _NUMBER + r"(?=[ \t]*(?:\n|$))"
    # "| Neck | 11 | snip |": a table row whose next cell holds the count (nineteenth set, decision 3)
    + r"|[ \t]*\|[ \t]*" + _APPROX + _NUMBER + r"(?=[ \t]*\|)"
    # "LOCATION 1a: right axilla\n  COUNT 1a: 14": a template's count field on the line after the site
    + r"|[ \t]*\n[ \t]*(?:count|number(?:[ \t]+removed|[ \t]+treated)?|no\.|#)(?:[ \t]+\d{1,2}[a-z]?)?[ \t]*[:=][ \t]*" + _APPROX + _NUMBER + r"\b" + _NOT_A_UNIT
    # "The neck had 20 and the axillae had 16": the site as the subject that has the lesions
    + r"|[ \t]+(?:had|has)[ \t]+" + _APPROX + _NUMBER + r"\b" + _NOT_A_UNIT,
    re.IGNORECASE,
)
# "three more from the upper chest", "12 on the back and 8 on the chest", "Thirteen came off the neck"
_COUNT_BEFORE_SITE = re.compile(
    r"\b" + _NUMBER + r"\b" + _NOT_A_UNIT + r"\s+(?:(?:more|others?|additional|further|lesions|tags|of\s+them)\s+)?"
    r"(?:\w+\s+){0,2}?(?:from|off|on|of|at|over|to|in)\s+(?:the\s+|his\s+|her\s+)?$"
    # "~14 R groin, ~16 L groin": a number right before the site, opening a list item (not the
    # "2" of "Lesion 2 L cheek" or "#2 L cheek")
    + r"|(?:^|[,;:(\n]|\band\b|&)[ \t]*" + _APPROX + _NUMBER + r"\b" + _NOT_A_UNIT + r"[ \t]+$"
    # "removed today: 14 (neck), 6 (right axilla)": the count, then its site in brackets
    + r"|(?:^|[,;:\n]|\band\b|&)[ \t]*" + _APPROX + _NUMBER + r"[ \t]*\([ \t]*(?:the[ \t]+)?$",
    re.IGNORECASE,
)
# Counts told with a verb between the number and the site, one sentence per site (twenty-fourth
# set, decision 2): "Seven came off the left axilla", "five more off the neck" (before the site);
# "The right axilla gave up nine more", "the neck yielded six" (after it).
_COUNT_OFF_SITE = re.compile(
    r"\b" + _NUMBER + r"\b" + _NOT_A_UNIT + r"\s+(?:(?:more|others?|tags|of\s+them)\s+)?(?:(?:came|come|were|was|fell|taken|cut|clipped|snipped)\s+)?off\s+(?:the\s+|his\s+|her\s+)?$"
    # "Four small ones were also clipped at the posterior neck"
    + r"|\b" + _NUMBER + r"\b" + _NOT_A_UNIT + r"\s+(?:(?:small|tiny|large|larger|smaller|little|more|other)\s+){0,2}(?:ones|tags|more|others)\s+(?:were\s+|was\s+)(?:also\s+|then\s+)?"
    r"(?:removed|snipped|clipped|cut|taken|lopped)\s+(?:off\s+)?(?:at|from|on|off)\s+(?:the\s+|his\s+|her\s+)?$",
    re.IGNORECASE,
)
_SITE_YIELDED = re.compile(
    r"[ \t]+(?:gave[ \t]+up|yielded|produced|contributed)[ \t]+" + _APPROX + _NUMBER + r"\b" + _NOT_A_UNIT,
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
# "skin tag removal x 16", "molluscum lesions (about 20)", "AK cryotherapy x 9": a lesion noun or a
# procedure noun between the diagnosis and its count (not a curette's passes: "BCC curettage x3")
_COUNT_AFTER_DX_WORD = re.compile(
    r"[ \t]+(?:lesions|papules|growths|spots|removals?|excisions?|destruction|cryo(?:therapy)?|ln2|snip(?:[ \t]+(?:excision|removal))?)"
    r"[ \t]*(?:[x×#][ \t]*|\([ \t]*(?:n[ \t]*=[ \t]*)?)" + _APPROX + _NUMBER + r"\b" + _NOT_A_UNIT,
    re.IGNORECASE,
)
# "destruction of 3 lesions", "a total of 31", "16 LESIONS TOTAL", "Total: 31"
_COUNT_NOUN = re.compile(r"\b" + _NUMBER + r"\s+(?:(?:\w+\s+){0,2})(?:lesions|tags|aks|keratoses|acrochordons|warts|verrucae|spots|growths|papules|ones|cysts|abscesses)\b", re.IGNORECASE)


def _split_tolerant(word: str) -> str:
    """A pattern for ``word`` that also matches it split by one stray space between letters ("rem oved")."""
    return " ?".join(re.escape(letter) for letter in word)


# The verbs of a count field's label ("Number removed:"), as a scanned form's OCR may split them.
_FIELD_VERBS = "|".join(_split_tolerant(w) for w in ("removed", "treated", "destroyed", "snipped", "frozen"))
_TOTAL = re.compile(
    r"\b(?:(?:a\s+)?total(?:\s+(?:of|removed|treated|destroyed|snipped|count|number))?|totall?ing|in\s+all)(?:\s*[:=]?\s*|" + _LEADER + r"|[ \t]*\|[ \t]*)" + _NUMBER + r"\b" + _NOT_A_UNIT
    # "9 + 4 + 3 = 16": a sum written out, whose result is the total
    + r"|\b\d{1,3}(?:[ \t]*\+[ \t]*\d{1,3})+[ \t]*=[ \t]*" + _NUMBER + r"\b" + _NOT_A_UNIT
    # "Total lesions destroyed: 15", "Total number of AKs treated = 9", "Tot 15"
    + r"|\btot(?:al)?\.?(?:\s+number\s+of)?\s+(?:lesions|tags|aks|sks|keratoses|acrochordons|warts|verrucae|mollusc[a-z]*|sts)"
    r"(?:\s+(?:removed|treated|destroyed|snipped|frozen|curetted))?\s*[:=]?\s*" + _NUMBER + r"\b" + _NOT_A_UNIT
    + r"|\btot\.?\s*[:=]?\s*" + _NUMBER + r"\b" + _NOT_A_UNIT
    # a template field: "Number removed: 27", "Number of lesions treated = 9", "# of tags: 18"
    # (a scanned form's label may be split by OCR: "Total number rem oved: 25")
    + r"|(?:\bnumber|\bno\.|#)[ \t]*(?:of[ \t]+(?:lesions|tags|skin[ \t]+tags|aks|sks|keratoses|acrochordons|warts|verrucae)"
    r"(?:[ \t]+(?:removed|treated|destroyed|snipped|frozen))?|" + _FIELD_VERBS + r")[ \t]*[:=][ \t]*" + _NUMBER + r"\b" + _NOT_A_UNIT
    # "60 in all", "15 lesions total", within one line: the "9" closing the list item above
    # "Approximately 60 in all" is a site's count, not the total. A count echoed in figures
    # ("Twenty-two (22) tags were removed in total") counts once (sixteenth set, decision 3).
    + r"|\b" + _NUMBER + r"\b" + _NOT_A_UNIT + _ECHO + r"[ \t]+(?:\w+[ \t]+){0,3}?(?:in[ \t]+total|total|in[ \t]+all)\b"
    # "AKs x14", "skin tags x 20"
    + r"|\b(?:aks|sks|lesions|tags|keratoses|acrochordons|warts|verrucae|cysts)\s*[x×#]\s*" + _NUMBER + r"\b"
    # "I counted sixteen", "all sixteen were removed"
    + r"|\bcounted\s+" + _NUMBER + r"\b" + _NOT_A_UNIT
    + r"|\ball\s+" + _NUMBER + r"\s+(?:(?:skin\s+)?(?:tags|lesions|aks|keratoses|acrochordons|warts)\s+)?(?:were|was|of\s+them|are)\b"
    # a count field opening a line or sentence: "Count: 18", "Lesion count = 9", "Tag count: 21"
    # (not a "Sponge count: correct" or a "needle count" inside a sentence)
    + r"|(?:\A|(?<=[.;\n])|(?<=[.;\n][ \t]))[ \t]*(?:(?:lesion|tag|skin[ \t]+tag)[ \t]+)?count[ \t]*[:=][ \t]*" + _APPROX + _NUMBER + r"\b" + _NOT_A_UNIT
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
    + r"|(?<![\w.#/])" + _APPROX + _NUMBER + r"\b" + _NOT_A_UNIT + r"[ \t]+(?:were[ \t]+|was[ \t]+)?(?:removed|snipped|excised|destroyed|treated)\b"
    # a bare count field opening its line or following a full stop: "Number: 22", "... LN2. Count: 9."
    + r"|(?:\A|(?<=\n)|(?<=[.;][ \t]))[ \t]*(?:number|count)[ \t]*[:=][ \t]*" + _APPROX + _NUMBER + r"\b" + _NOT_A_UNIT,
    re.IGNORECASE,
)
# "15 of the largest were removed", "removed 15 of them": the part of the lesions examined that was
# treated. Counts read at the sites or the diagnosis that add up to more are the lesions examined.
_PART_TREATED = re.compile(
    r"(?<![\w.#/])(?<!every\s)(?<!each\s)(?<!any\s)" + _NUMBER + r"[ \t]+of[ \t]+(?:the|these|those|them|her|his)\b(?:[ \t]+[\w-]+){0,3}?[ \t]+(?:were|was)[ \t]+"
    r"(?:\w+[ \t]+)?(?:removed|snipped|clipped|excised|destroyed|treated|frozen)\b"
    r"|\b(?:removed|snipped|clipped|excised|destroyed|treated|froze)[ \t]+" + _NUMBER + r"[ \t]+of[ \t]+(?:them|these|those)\b",
    re.IGNORECASE,
)
# More ways of writing how many were removed (twenty-fourth set, decision 2): a count in a sentence
# of its own after the procedure's ("In all, nineteen were taken."), the number after "all" that
# follows a removal verb ("I removed all two dozen"), and "seventeen of them were cut off".
_REMOVAL_WORDS = r"(?:removed|snipped|clipped|excised|lopped|cut|taken|taken[ \t]+off|cut[ \t]+off|treated|destroyed|frozen)"
_MORE_TOTALS = re.compile(
    r"\bin[ \t]+all[ \t]*,[ \t]*" + _NUMBER + r"\b" + _NOT_A_UNIT + r"(?![ \t]*[-/+][ \t]*\d)"
    + r"|\b(?:removed|snipped|clipped|excised|destroyed|treated|froze)[ \t]+all[ \t]+" + _NUMBER + r"\b" + _NOT_A_UNIT
    + r"|(?<![\w.#/])" + _APPROX + _NUMBER + r"[ \t]+of[ \t]+them[ \t]+(?:were[ \t]+|was[ \t]+)?" + _REMOVAL_WORDS + r"\b"
    # a field named by what was done: "Treated: 9, with the hyfrecator", "Removed: 14"
    + r"|(?:^|\n)[ \t]*(?:treated|removed|snipped|destroyed|frozen)[ \t]*:[ \t]*" + _APPROX + _NUMBER + r"\b" + _NOT_A_UNIT
    # a bracketed count closing the removal's sentence: "each was shaved flush at the base with a #15 blade (12)."
    + r"|\b(?:removed|snipped|clipped|shaved|excised|cut|frozen|treated|destroyed)\b[^.;\n]{0,80}\([ \t]*(\d{1,3})[ \t]*\)[ \t]*(?=[.\n]|$)",
    re.IGNORECASE,
)
# "Approximately 20-25 small skin tags": a range's lower end is the count (thirteenth set, decision 1)
_RANGE_LOW = re.compile(r"(?<![\w.#/-])(\d{1,3})[ \t]*[-–][ \t]*$")
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
# "one stage, six tissue blocks": the blocks of a one-stage Mohs surgery, written with no stage label
_SINGLE_STAGE_BLOCKS = _CUES.regex("mohs.single_stage_blocks", groups=("blocks",))
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
    if word in _DOZENS:
        return _DOZENS[word]
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

    Each written number counts lesions once, however it is read (at a site, a diagnosis or a
    procedure): a number written with the diagnosis or procedure of several sites listed together is
    their total, shared among them after their own counts (:func:`listed_group_counts`), and a total
    in the sentence of one lesion's procedure alone is that lesion's (:func:`_own_sentence_totals`).
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
    groups = listed_group_counts(text, counted, site_mentions or {})
    used_numbers = {position for position, _, _ in groups}
    for lesion in counted:
        shared = lesion.procedure is not None and users[lesion.procedure.span.start] > 1
        value = _count_for(
            text, lesion, used_diagnoses, procedure_shared=shared, other_sites=(site_mentions or {}).get(lesion.index, ()),
            several=len(counted) > 1, used_numbers=used_numbers,
        )
        if value:
            found[lesion.index] = value
    _fill_groups(groups, found)
    _own_sentence_totals(text, counted, found, site_mentions or {}, used_numbers)
    totals = [_total(text)] + [
        _procedure_count(text, lesion) for lesion in counted if lesion.procedure is not None and users[lesion.procedure.span.start] > 1
    ]
    total = max((t for t in totals if t), default=None)
    site_lesions = {start: index for index, mentions in (site_mentions or {}).items() for start, _, _ in mentions}
    site_lesions.update({lesion.site.span.start: lesion.index for lesion in counted if lesion.site is not None})
    part = _treated_part(text, site_lesions)
    if part and sum(found.values()) > part:
        found = _only_the_part(counted, found, part)
    if part and total and total > part:
        total = part  # "about 40 tags; 26 ... were removed": no more than the part treated is counted
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


def _treated_part(text: str, site_lesions: dict[int, int] | None = None) -> int | None:
    """The part of the lesions the note says it treated ("15 of the largest were removed"), or None.

    One is no part of a count ("one of the lesions was removed by shave" beside frozen AKs is another lesion).
    "Twelve of the axillae were removed" counts the tags of a site (``site_lesions``: the lesion
    of each site mention, by where it starts), not a part of some; "26 on the neck and axillae were
    removed" (after "about 40 tags") is the part removed, when its sites are those of two lesions
    or more and no other number stands among them ("a further six in the groin were removed" is
    the groin's own count).
    """
    site_lesions = site_lesions or {}
    lower = lowered_ascii(text)
    values = [
        number(next(g for g in m.groups() if g)) for m in _scan(_PART_TREATED, _PART_TREATED_CASED, text, lower)
        if not any(start in site_lesions for start in range(m.start(), m.end()))
    ]
    for match in _scan(_PART_AT_SITES, _PART_AT_SITES_CASED, text, lower):
        named = {site_lesions[start] for start in range(match.end(1), match.end()) if start in site_lesions}
        if len(named) >= 2 and _FIRST_NUMBER.search(text, match.end(1), match.end()) is None:
            values.append(number(match.group(1)))
    return max((v for v in values if v and v >= 2), default=None)


# "26 on the neck and axillae were removed today": a number, where the lesions were, then the
# removal verb (a second number among the sites makes per-site counts, not one part).
_PART_AT_SITES = re.compile(
    r"(?<![\w.#/])" + _APPROX + _NUMBER + r"\b" + _NOT_A_UNIT + r"[ \t]+(?:(?:tags|lesions)[ \t]+)?(?:on|from|in|at|over)[ \t]+[^.;:\n]{1,60}?[ \t]+(?:were|was)[ \t]+(?:\w+[ \t]+)?"
    r"(?:removed|snipped|clipped|excised|destroyed|treated|frozen)\b",
    re.IGNORECASE,
)
_FIRST_NUMBER = re.compile(r"\b" + _NUMBER + r"\b", re.IGNORECASE)


# The note-wide count patterns scan the whole note: over an ASCII note they run case-sensitively on
# the lower-cased note, with the same matches (nlp.casefold_scan; speed only).  Their groups are read
# through number(), which lower-cases anyway.
def _scan(pattern: re.Pattern[str], cased: re.Pattern[str], text: str, lower: str | None) -> Iterable[re.Match[str]]:
    """``pattern.finditer(text)``, run as ``cased`` over ``lower`` when the note is ASCII."""
    return cased.finditer(lower) if lower is not None else pattern.finditer(text)


_TOTAL_CASED = case_sensitive(_TOTAL)
_MORE_TOTALS_CASED = case_sensitive(_MORE_TOTALS)
# Over the lower-cased note the totals' branches are tried only where the note has the words each
# spells out (nlp.gated_alternation; speed only): one gate per branch of _TOTAL, in order, then of
# _MORE_TOTALS.  Every tuple of a gate must have one of its words in the note.
_REMOVED = ("removed", "snipped", "clipped", "excised", "destroyed", "froze", "treated")
_TOTAL_GATED = GatedAlternation(_TOTAL_CASED, [
    (("total", "all"),),  # "a total of 31", "totaling", "in all 12"
    (("+",), ("=",)),  # "9 + 4 + 3 = 16"
    (("tot",),),  # "Total lesions destroyed: 15"
    (("tot",),),  # "Tot 15"
    (("number", "no.", "#"), (":", "=")),  # "Number removed: 27"
    (("total", "all"),),  # "60 in all", "15 lesions total"
    (("aks", "sks", "lesions", "tags", "keratoses", "acrochordons", "warts", "verrucae", "cysts"), ("x", "×", "#")),  # "AKs x14"
    (("counted",),),  # "I counted sixteen"
    (("all",),),  # "all sixteen were removed"
    (("count",), (":", "=")),  # "Count: 18"
    (("qty", "quantity", "="),),  # "Qty: 26", "(n=26)"
    (_REMOVED,),  # "removed 16 due to time"
    (("all",), ("(",), (")",)),  # "all (18) snipped"
    (("removed", "snipped", "excised", "destroyed", "treated"),),  # "14 snipped today"
    (("number", "count"), (":", "=")),  # "Number: 22"
])
_MORE_TOTALS_GATED = GatedAlternation(_MORE_TOTALS_CASED, [
    (("all",), (",",)),  # "In all, nineteen were taken."
    (("all",), _REMOVED),  # "I removed all two dozen"
    (("them",),),  # "seventeen of them were cut off"
    ((":",), ("treated", "removed", "snipped", "destroyed", "frozen")),  # "Treated: 9"
    (("(",), (")",)),  # "... with a #15 blade (12)."
])
_PART_TREATED_CASED = case_sensitive(_PART_TREATED)
_PART_AT_SITES_CASED = case_sensitive(_PART_AT_SITES)


def _only_the_part(counted: list[Lesion], found: dict[int, int], part: int) -> dict[int, int]:
    """Counts of the lesions examined cut down to the part treated, one lesion at least per site.

    "About 25 tags on neck and axillae ... 15 of the largest were removed": the note does not say
    how the fifteen split between the sites, so the first counted site takes what the others leave.
    """
    indexes = [lesion.index for lesion in counted]
    out = {index: 1 for index in indexes}
    out[indexes[0]] = max(1, part - (len(indexes) - 1))
    return out


# Between two sites listed together, once their own counts are set aside: "neck, axillae, and groin",
# "neck (20) and axillae (16)", "(neck 10, axillae 8)", "bilateral axillae and neck".
_LIST_JOINER = re.compile(r"[\s,;()]*(?:(?:and|&|/|plus|as\s+well\s+as)\s+)?(?:(?:the|both|bilateral|his|her|their)\s+)*", re.IGNORECASE)


def listed_group_counts(
    text: str, counted: list[Lesion], site_mentions: dict[int, list[tuple[int, int, bool]]]
) -> list[tuple[int, int, list[int]]]:
    """Numbers that count a group of sites at once: (the number's offset, its value, the lesions).

    A number written with a diagnosis or a procedure that several counted lesions share, in a
    sentence that lists their sites together ("Removal of 26 skin tags from the neck, axillae, and
    groin", "AKs x 14 on the scalp and forehead", "Acrochordons x 18 (neck 10, axillae 8)"), is the
    total of those sites, not the count of the site written next to it.  Sites not listed together
    ("12 tags from the neck and three more from the chest") are no group: each keeps its own number.
    """
    sharing: dict[tuple[str, int], list[Lesion]] = {}
    for lesion in counted:
        if malignant(lesion):
            continue  # a cancer is sized, not counted
        for dx in lesion.diagnoses:
            sharing.setdefault(("diagnosis", dx.span.start), []).append(lesion)
        if lesion.procedure is not None:
            sharing.setdefault(("procedure", lesion.procedure.span.start), []).append(lesion)
    groups: list[tuple[int, int, list[int]]] = []
    for (kind, start), members in sharing.items():
        if len(members) < 2:
            continue
        if kind == "diagnosis":
            dx = next(d for d in members[0].diagnoses if d.span.start == start)
            found = _diagnosis_count_at(text, dx.span.start, dx.span.end)
        else:
            found = _procedure_count_at(text, members[0])
        if not found or any(found[1] == position for position, _, _ in groups):
            continue
        listed = _listed_together(text, found[1], members, site_mentions)
        by_index = {lesion.index: lesion for lesion in members}
        if len(listed) >= 2 and not _per_site_list(text, found[1], [by_index[index] for index in listed], site_mentions):
            groups.append((found[1], found[0], listed))
    return groups


def _per_site_list(text: str, at: int, listed: list[Lesion], site_mentions: dict[int, list[tuple[int, int, bool]]]) -> bool:
    """Whether the number at ``at`` is the first listed site's own count in a list of per-site counts.

    "Skin tags: 12 on the neck and 6 in the left axilla", "~14 STs R groin, ~16 L groin", "AKs:
    scalp x5, R helix x3": every other site has a count of its own and the first has none but this
    number, so the counts are summed (12 + 6), not read as a total and its parts.
    """
    def own_counts(lesion: Lesion) -> set[int]:
        spans = [(s, e) for s, e, _ in site_mentions.get(lesion.index, ())]
        if lesion.site is not None:
            spans.append((lesion.site.span.start, lesion.site.span.end))
        found = (_site_count_at(text, start, end) for start, end in spans)
        return {value_at[1] for value_at in found if value_at and value_at[1] != at}

    first, *others = listed  # in the order the sites are written
    return not own_counts(first) and all(own_counts(other) for other in others)


def _listed_together(text: str, at: int, members: list[Lesion], site_mentions: dict[int, list[tuple[int, int, bool]]]) -> list[int]:
    """The members whose sites stand in one list, in the sentence of the number at ``at``, nearest to it."""
    head = max(text.rfind(".", 0, at), text.rfind("\n", 0, at)) + 1
    tail = min((i for i in (text.find(".", at), text.find("\n", at)) if i != -1), default=len(text))
    named: list[tuple[int, int, int]] = []  # (start, end, lesion index): each lesion's first site mention in the sentence
    for lesion in members:
        spans = [(s, e) for s, e, _ in site_mentions.get(lesion.index, ())]
        if lesion.site is not None:
            spans.append((lesion.site.span.start, lesion.site.span.end))
        inside = sorted(span for span in spans if head <= span[0] < tail)
        if inside:
            named.append((*inside[0], lesion.index))
    named.sort()
    runs: list[list[tuple[int, int, int]]] = []
    for mention in named:
        if runs and _joined(text, runs[-1][-1], mention):
            runs[-1].append(mention)
        else:
            runs.append([mention])
    if not runs:
        return []
    nearest = min(runs, key=lambda run: min(abs(at - run[0][0]), abs(at - run[-1][1])))
    return [index for _, _, index in nearest]


def _joined(text: str, first: tuple[int, int, int], second: tuple[int, int, int]) -> bool:
    """Whether two site mentions stand in one list: only list words between them, besides the sites' own counts."""
    gap_start, gap_end = first[1], second[0]
    if gap_end < gap_start:
        return False
    own = _COUNT_AFTER_SITE.match(text, gap_start, gap_end) or _BEFORE_CLOSING_BRACKET.match(text, gap_start, gap_end)
    if own is not None:
        gap_start = own.end()
    before = _COUNT_BEFORE_SITE.search(text, gap_start, gap_end)
    if before is not None:
        gap_end = before.start()
    return _LIST_JOINER.fullmatch(text, gap_start, gap_end) is not None


def _own_sentence_totals(
    text: str, counted: list[Lesion], found: dict[int, int], site_mentions: dict[int, list[tuple[int, int, bool]]], used_numbers: set[int]
) -> None:
    """A total written in the sentence of one lesion's procedure, which names no other counted site, is that lesion's count.

    "The skin tags on her neck were removed with scissors, a total of eleven. A further six in
    the groin were removed with cautery": the eleven are the neck's and the six are more, not a
    note's total that the groin's six are part of.
    """
    sites: list[tuple[int, int]] = []  # (offset, lesion index) of every counted lesion's site mentions
    for lesion in counted:
        sites += [(start, lesion.index) for start, _, _ in site_mentions.get(lesion.index, ())]
        if lesion.site is not None:
            sites.append((lesion.site.span.start, lesion.index))
    for lesion in counted:
        if lesion.index in found or lesion.procedure is None or malignant(lesion):
            continue
        at = lesion.procedure.span.start
        head = max(text.rfind(".", 0, at), text.rfind("\n", 0, at)) + 1
        tail = min((i for i in (text.find(".", at), text.find("\n", at)) if i != -1), default=len(text))
        named = {index for start, index in sites if head <= start < tail}
        if named != {lesion.index}:
            continue
        for match in _TOTAL.finditer(text, head, tail):
            value_at = _value_at(match)
            if value_at and value_at[1] not in used_numbers:
                used_numbers.add(value_at[1])
                found[lesion.index] = value_at[0]
                break


def _fill_groups(groups: list[tuple[int, int, list[int]]], found: dict[int, int]) -> None:
    """Share each group's total among its sites: the sites' own counts are part of it, the rest goes to the others.

    Own counts that add up to the total are the same lesions, not more ("36 tags from the neck (20)
    and axillae (16)"); the sites without one take the rest, the first named all but one each for
    the others ("26 tags from the neck, axillae, and groin": 24, 1 and 1), as a note's total does.
    """
    for _, total, members in groups:
        missing = [index for index in members if index not in found]
        rest = total - sum(found.get(index, 0) for index in members)
        if not missing or rest <= 0:
            continue
        for position, index in enumerate(missing):
            found[index] = max(1, rest - (len(missing) - 1)) if position == 0 else 1


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


# "bilateral axillae: 12 in the right axilla, 8 in the left": a number that another, sided site
# places right after it is that site's count, not the whole area's.
# Its two sides' counts together are the area's: "both axillae: 14 in the right and 6 in the left" is 20.
_SIDE = r"[ \t]+(?:in|on|at|from)[ \t]+(?:the[ \t]+|his[ \t]+|her[ \t]+)?(?:right|left|rt|lt|r|l)\b"
_PLACED_AT_A_SIDE = re.compile(_SIDE, re.IGNORECASE)
_BOTH_SIDES = re.compile(
    r"[^;.\n\d(]{0,24}?[:=]?[ \t]*" + _NUMBER + _SIDE + r"[^;.\n\d]{0,24}?(?:,|\band\b|&)[ \t]*(?:and[ \t]+)?" + _NUMBER + _SIDE, re.IGNORECASE
)


# "Skin tags x 12 neck, x 6 right axilla, x 5 left axilla": a list whose items write the count as a
# times sign before the site; the "x 6" after "neck" opens the next item, not the neck's count.
_TIMES_BEFORE_SITE = re.compile(r"(?<![\w.])[x×][ \t]*" + _APPROX + _NUMBER + r"\b" + _NOT_A_UNIT + r"[ \t]+(?:(?:the|his|her)[ \t]+)?$", re.IGNORECASE)
# "2 x 12 neck" is no times count but a size's dimensions.
_DIMENSION_BEFORE = re.compile(r"\d(?:\.\d+)?[ \t]*(?:cm|mm)?[ \t]*$", re.IGNORECASE)


def site_count(text: str, start: int, end: int) -> int | None:
    """The count written at a site mention ``text[start:end]``: "forehead x3", "neck 12", "~16 L groin"."""
    found = _site_count_at(text, start, end)
    return found[0] if found else None


# A pure function of its arguments, asked again for the same site by each counting step of a note
# (add_counts, listed_group_counts, _count_for, sharing's _counts_several): the recent answers are
# kept (speed only); a small cache, since each entry holds its note's text.
@lru_cache(maxsize=256)
def _site_count_at(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The count at a site mention and where its number is written (each written number counts once)."""
    match = _COUNT_AFTER_SITE.match(text, end, min(len(text), end + 40))
    if match is not None and _PLACED_AT_A_SIDE.match(text, match.end()):
        # "bilateral axillae: 12 in the right ...": the number is the side's; both sides' are the area's
        sides = _BOTH_SIDES.match(text, end, min(len(text), end + 120))
        if sides is not None:
            total = sum(number(group) or 0 for group in sides.groups())
            return (total, sides.start()) if total else None  # the sum is no written number: its parts stay free
        match = None
    times = _TIMES_BEFORE_SITE.search(text, max(0, start - 16), start)
    if times is not None and not _DIMENSION_BEFORE.search(text, max(0, times.start() - 12), times.start()):
        match = times  # "x 12 neck, x 6 right axilla": the times sign before the site is its count, the one after the next site's
    match = match or _COUNT_BEFORE_SITE.search(text, max(0, start - 60), start)
    match = match or _SITE_YIELDED.match(text, end, min(len(text), end + 40)) or _COUNT_OFF_SITE.search(text, max(0, start - 60), start)
    return _value_at(match) if match else _bracketed_item_count(text, start, end)


def _value_at(match: re.Match[str]) -> tuple[int, int] | None:
    """The number a count pattern matched and its offset in the note."""
    group = next((i for i, g in enumerate(match.groups(), 1) if g), None)
    value = number(match.group(group)) if group else None
    return (value, match.start(group)) if value else None


# "(neck 10, axillae 8)": inside brackets the closing bracket ends the last site's item (outside
# them "scalp 2)" may number the next item of a "1) ... 2) ..." list).
_BEFORE_CLOSING_BRACKET = re.compile(r"[ \t]+" + _APPROX + _NUMBER + r"(?=[ \t]*\))", re.IGNORECASE)


def _bracketed_item_count(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The count closing the last item of a bracketed list of sites: the "8" of "(neck 10, axillae 8)"."""
    match = _BEFORE_CLOSING_BRACKET.match(text, end, min(len(text), end + 16))
    if match is None:
        return None
    before = text[_clause_start(text, start, 80) : start]
    return _value_at(match) if before.rfind("(") > before.rfind(")") else None


def diagnosis_count(text: str, start: int, end: int) -> int | None:
    """The count written at a diagnosis mention ``text[start:end]``: "two gritty AKs", "AKs x2", "SKs: 5"."""
    found = _diagnosis_count_at(text, start, end)
    return found[0] if found else None


def _diagnosis_count_at(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The count at a diagnosis mention and where its number is written."""
    match = _COUNT_BEFORE.search(text, max(0, start - 40), start)
    if match is not None and _NUMBERING_WORD.search(text, max(0, match.start() - 12), match.start()):
        match = None  # "Lesion 2 AK": a number that names the lesion
    if match is not None:
        match = _part_of(text, match) or match
    low = _RANGE_LOW.search(text, max(0, match.start() - 8), match.start()) if match is not None else None
    if low is not None:
        return int(low.group(1)), low.start(1)  # "20-25 small skin tags": a range's lower end
    match = match or _COUNT_AFTER_DX.match(text, end, min(len(text), end + 24)) or _COUNT_AFTER_DX_WORD.match(text, end, min(len(text), end + 40))
    return _value_at(match) if match else None


def _part_of(text: str, match: re.Match[str]) -> re.Match[str] | None:
    """"Removed 14 of the 17 tags": the part before a diagnosis's count, if the note writes one."""
    return _PART_OF.search(text, max(0, match.start() - 30), match.start())


def _part_count(text: str, start: int) -> int | None:
    """The treated part written before the diagnosis at ``start`` ("snipped 9 of the 12 tags"), or None."""
    match = _COUNT_BEFORE.search(text, max(0, start - 40), start)
    part = _part_of(text, match) if match is not None else None
    return number(part.group(1)) if part else None


def _count_for(
    text: str,
    lesion: Lesion,
    used_diagnoses: set[int],
    *,
    procedure_shared: bool,
    other_sites: Iterable[tuple[int, int, bool]] = (),
    several: bool = False,
    used_numbers: set[int] | None = None,
) -> int | None:
    """The lesion's own count, read at its diagnosis's part, its sites, its diagnosis, then its procedure.

    ``used_numbers`` holds the offsets of the numbers already read for another lesion or for a
    group of listed sites: each written number counts lesions once, whichever way it is read
    ("26 skin tags from the neck, axillae" is not the neck's 26 and then the axillae's 26 again).
    """
    used = used_numbers if used_numbers is not None else set()

    def take(found: tuple[int, int] | None) -> int | None:
        if not found or found[1] in used:
            return None
        used.add(found[1])
        return found[0]

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
        if _cycles_after_curettage(text, lesion, start, end):
            continue
        value = take(_site_count_at(text, start, end))
        if value:
            return value
    for dx in lesion.diagnoses:
        if dx.span.start in used_diagnoses:
            continue  # "Twelve skin tags ... from the neck and three more from the chest": the twelve are the neck's
        if several and _ALL_OF_THEM.search(text, max(0, dx.span.start - 30), dx.span.start):
            continue  # "all 20 tags were removed" beside "R axilla 12 ...; L axilla 8": every site's, a total
        found = _diagnosis_count_at(text, dx.span.start, dx.span.end)
        if not found:
            match = _COUNT_IN_CLAUSE.search(text, _clause_start(text, dx.span.start), dx.span.start)
            found = _value_at(match) if match else None
        value = take(found)
        if value:
            used_diagnoses.add(dx.span.start)
            return value
    if lesion.procedure is not None and not procedure_shared:
        return take(_procedure_count_at(text, lesion))
    return None


# "all 20 tags", "all twelve of the skin tags": a count of every lesion, written before the diagnosis
_ALL_OF_THEM = re.compile(r"\ball[ \t]+" + _NUMBER + r"[ \t]+(?:of[ \t]+the[ \t]+)?(?:\w+[ \t]+){0,2}$", re.IGNORECASE)
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


# "ED&C R abd x3": a times sign after the site that an ED&C of a cancer names is its cycles.
_TIMES_AFTER_SITE = re.compile(r"[ \t]*[x×][ \t]*\d", re.IGNORECASE)


def _cycles_after_curettage(text: str, lesion: Lesion, start: int, end: int) -> bool:
    """Whether the times sign after a cancer's site, in the clause of its curettage, counts cycles, not lesions.

    A cancer is counted by its own records, never by a times sign (as for "ED&C x2" itself): "ED&C
    R abd x3" is three cycles at the right abdomen, as "ED&C x3 to the R abd" would be.
    """
    procedure = lesion.procedure
    if not malignant(lesion) or procedure is None or not _CURETTAGE.search(procedure.text):
        return False
    between = text[procedure.span.end : start]
    return procedure.span.end <= start and not re.search(r"[.;\n]", between) and bool(_TIMES_AFTER_SITE.match(text, end))


def _procedure_count(text: str, lesion: Lesion) -> int | None:
    """"Destruction of 3 lesions", "snipped x 17": the count in the procedure's sentence."""
    found = _procedure_count_at(text, lesion)
    return found[0] if found else None


def _procedure_count_at(text: str, lesion: Lesion) -> tuple[int, int] | None:
    """The count in the procedure's sentence and where its number is written."""
    assert lesion.procedure is not None
    start = max(text.rfind(".", 0, lesion.procedure.span.start), text.rfind("\n", 0, lesion.procedure.span.start)) + 1
    end = text.find(".", lesion.procedure.span.end)
    end = end if end != -1 else len(text)
    if malignant(lesion):
        # "ED&C x3 cycles to the BCC; LN2 to 7 AKs": the clause after a cancer's is other lesions'
        clause_end = text.find(";", lesion.procedure.span.end, end)
        end = clause_end if clause_end != -1 else end
    start = max(start, end - 240)
    match = _COUNT_NOUN.search(text, start, end)
    if match is None and not malignant(lesion) and not _CURETTAGE.search(text, start, end):
        match = _TIMES_COUNT.search(text, start, end)
    return _value_at(match) if match else None


def _total(text: str) -> int | None:
    lower = lowered_ascii(text)
    if lower is not None:
        matches = [*_TOTAL_GATED.finditer(lower), *_MORE_TOTALS_GATED.finditer(lower)]
    else:
        matches = [*_TOTAL.finditer(text), *_MORE_TOTALS.finditer(text)]
    values = [number(next(g for g in m.groups() if g)) for m in matches]
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
    if not blocks and (stages or 1) == 1:
        single = _SINGLE_STAGE_BLOCKS.search(text)
        count = number(single.group("blocks")) if single else None
        if count:
            stages, blocks = 1, {1: count}
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
