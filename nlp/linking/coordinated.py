"""Two lesions named together at one site: "Shave removal of two skin tags and a 5 mm SK on the neck".

Clustering makes one lesion per site, so the tags and the keratosis of one neck become one
record, and the record's single diagnosis (the tags) hides the keratosis.  When a performed
procedure's sentence joins two diagnoses of different kinds as noun phrases of their own (the
second opens with "a", "an", "one" or a number, after "and", "&", "plus" or "as well as"), each
names a lesion: the second becomes a record of its own, with the record's site and procedure and
the size written inside its own phrase ("a 5 mm SK"), and the first keeps the rest.  A lesion
that is no skin tag, snipped with the tags, was removed whole flush with the skin: a shave removal.

A diagnosis list without a determiner ("Skin tags and seborrheic keratoses, neck") or a
differential ("SK versus AK") joins nothing here; neither does a diagnosis line outside the
procedure sentence.
"""

from __future__ import annotations

import re
from dataclasses import replace

from nlp.linking.build import _measure
from nlp.linking.facts import Fact, usable
from nlp.records import Diagnosis, Lesion, Measure, Procedure

SKIN_TAG = "skin_tag"

# What lies between the first diagnosis and the second: the coordinator, then the second phrase's
# determiner and at most a few words (a size, "irritated", "small").
_JOINED = re.compile(
    r"(?P<coordinator>\s*,?\s*(?:and|&|plus|as\s+well\s+as)\s+)(?:an?|one|two|three|four|five|six|seven|eight|nine|ten|\d{1,2})\s+"
    r"(?:[\w.-]+\s+){0,4}",
    re.IGNORECASE,
)


def split_coordinated(text: str, lesions: list[Lesion], facts: list[Fact]) -> list[Lesion]:
    """Each record whose procedure sentence names two lesions becomes two (see the module docstring).

    The facts of the second lesion (its diagnosis and its size) are moved to the new record's index.
    """
    out: list[Lesion] = []
    next_index = max((lesion.index for lesion in lesions), default=0) + 1
    for lesion in lesions:
        pair = _joined_pair(text, lesion, facts)
        if pair is None:
            out.append(lesion)
            continue
        first, second, phrase_start = pair
        size = lesion.lesion_size
        own_size = size is not None and phrase_start <= size.span.start < second.span.start
        out.append(replace(
            lesion,
            diagnosis=first,
            diagnoses=[d for d in lesion.diagnoses if d.span != second.span],
            procedure=_removal_for(lesion.procedure, first),
            lesion_size=_size_outside(lesion, facts, phrase_start, second) if own_size else size,
        ))
        out.append(replace(
            lesion, index=next_index, diagnosis=second, diagnoses=[second], lesion_size=size if own_size else None,
            procedure=_removal_for(lesion.procedure, second),
        ))
        for fact in facts:
            if fact.lesion == lesion.index and phrase_start <= fact.mention.start < second.span.end and fact.label != "ANATOMIC_SITE":
                fact.lesion = next_index
        next_index += 1
    return out


def _removal_for(procedure: Procedure | None, diagnosis: Diagnosis) -> Procedure | None:
    """The procedure for one of the two lesions: snipping a lesion that is no skin tag ("the tags
    and a 4 mm SK were snipped") removes it whole, flush with the skin: a shave removal, as for a
    clinical tag that pathology calls something else (:func:`nlp.linking.pathology.tag_proven_other`)."""
    if procedure is not None and procedure.kind == "skin_tag_removal" and diagnosis.kind != SKIN_TAG:
        return replace(procedure, kind="shave")
    return procedure


def _size_outside(lesion: Lesion, facts: list[Fact], phrase_start: int, second: Diagnosis) -> Measure | None:
    """The first lesion's own size once the second phrase's is taken away ("a 6 mm nevus and an
    8 mm SK"): the largest other lesion size linked to the record."""
    sizes = [
        _measure(f.mention) for f in facts
        if f.label == "LESION_SIZE" and f.lesion == lesion.index and usable(f) and not phrase_start <= f.mention.start < second.span.start
    ]
    return max((m for m in sizes if m is not None), key=lambda m: m.value_cm, default=None)


def _joined_pair(text: str, lesion: Lesion, facts: list[Fact]) -> tuple[Diagnosis, Diagnosis, int] | None:
    """The record's diagnosis and a second one its procedure sentence joins to it, with the start
    of the second phrase (after the coordinator), if there is such a pair."""
    if lesion.procedure is None or lesion.diagnosis is None or lesion.site is None:
        return None
    procedure = next(
        (f for f in facts if f.label == "PROCEDURE" and f.lesion == lesion.index and f.mention.start == lesion.procedure.span.start and usable(f)),
        None,
    )
    if procedure is None or procedure.sentence_span is None:
        return None
    start, end = procedure.sentence_span
    named = sorted(
        (d for d in lesion.diagnoses if start <= d.span.start < end),
        key=lambda d: d.span.start,
    )
    for first, second in zip(named, named[1:], strict=False):
        if first.kind == second.kind or lesion.diagnosis.kind not in (first.kind, second.kind):
            continue
        joined = _JOINED.fullmatch(text, first.span.end, second.span.start)
        if joined is not None:
            return first, second, joined.end("coordinator")
    return None
