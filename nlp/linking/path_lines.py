"""A site-less pathology line belongs to the one lesion whose tissue went to pathology just before it.

Busy-clinic notes write the result under each procedure with no site of its own: "Right upper arm -
excised ... Path: dermatofibroma.", "P: 1. Elliptical excision ... 2. LN2 to the 4 AKs. Path:
dysplastic nevus".  The pathology section names no lesion, so the usual fallbacks (the last lesion
named in that section, the note's primary lesion) place it nowhere.  Only a procedure that sends a
specimen (an excision, a shave removal, a biopsy) can have a pathology result; when exactly one
lesion had one since the previous pathology line, the result is that lesion's.  Two specimens
before one site-less result stay unplaced, as before: the note does not say whose it is.
"""

from __future__ import annotations

from nlp.linking.facts import PATHOLOGY_SECTIONS, Fact, usable

SPECIMEN_KINDS = frozenset(
    {"excision", "re_excision", "shave", "biopsy_tangential", "biopsy_punch", "biopsy_incisional"}
)


class PathLines:
    """Follow the specimen procedures of a note, in text order, to place site-less pathology results."""

    def __init__(self) -> None:
        self._since: set[int] = set()  # lesions that sent a specimen since the last pathology result
        self._after_result = False

    def saw(self, fact: Fact) -> None:
        """Note a placed fact: a specimen procedure, or a pathology result that closes the run."""
        if fact.lesion is None:
            return
        if fact.label == "PROCEDURE" and usable(fact) and fact.value.get("kind") in SPECIMEN_KINDS:
            if self._after_result:
                self._since.clear()
                self._after_result = False
            self._since.add(fact.lesion)
        elif is_result(fact):
            self._after_result = True

    def lesion_of(self, fact: Fact) -> int | None:
        """The lesion of a pathology result no site, marker or mention placed, if only one is possible."""
        if is_result(fact) and len(self._since) == 1:
            return next(iter(self._since))
        return None


def is_result(fact: Fact) -> bool:
    """A diagnosis written in a pathology section."""
    return fact.label == "LESION_DIAGNOSIS" and fact.mention.section in PATHOLOGY_SECTIONS
