"""Shave removal or tangential biopsy: what a saucerization was done for.

"Saucerization" names a technique (a scoop under the lesion), not a purpose: the same cut removes
a lesion flush with the skin for good (shave removal, 11300-11313) or samples it for diagnosis
(tangential biopsy, 11102).  Intent decides (coding-rules 3.2; GUIDELINES v4 and ninth set,
decision 2).  The other tangential words say the purpose themselves ("shave biopsy", "tangential
bx", a bare "bx").  So a lesion whose only tangential words are saucerization words is a shave
removal when the note says the lesion was removed or shaved ("removed by a saucerization shave at
the level of the surrounding skin") and nothing says it was sampled: no biopsy word, no
diagnostic purpose in its procedure sentences ("for dx", "to rule out") and no hedged diagnosis
("r/o melanoma").  With no removal word either, it stays a tangential biopsy (the reference says to
query an unclear intent, and the extractor has always read it so).

A bare "shave" is the same kind of word: "bx x2 (shave)", "Skin biopsy - tangential ... DermaBlade
shave to mid dermis" name a biopsy by a plain biopsy word and its technique by "shave", so the
lesion had a tangential biopsy (:func:`names_the_biopsy`), as beside "shave bx".  Tissue "sent for
biopsy" is only sent to the laboratory, as "sent for pathology" is (a removal goes there too).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from nlp.records import Procedure

# Tangential words that name the technique only.
_SAUCERIZATION = re.compile(r"sauceri[sz]\w*", re.IGNORECASE)
# "for dx", "for diagnosis", "to rule out melanoma", "to establish the diagnosis", "diagnostic shave".
# Not "sent for pathology": every removed lesion goes there too.
_SAMPLING_PURPOSE = re.compile(
    r"\bfor\s+(?:a\s+)?(?:dx|diagnosis|diagnostic\s+purposes?|tissue\s+diagnosis)\b"
    r"|\bto\s+(?:rule\s+out|r/o|exclude|establish\s+(?:a\s+|the\s+)?(?:dx|diagnosis)|confirm\s+(?:a\s+|the\s+)?(?:dx|diagnosis)|obtain\s+(?:a\s+)?(?:tissue\s+)?(?:dx|diagnosis))\b"
    r"|\bdiagnostic\b",
    re.IGNORECASE,
)


# "sent for biopsy", "submitted to bx": the specimen's errand, not the procedure done.
_SENT_FOR = re.compile(r"\b(?:sent|submitted|forwarded)\s+(?:off\s+)?(?:to|for)\s+(?:a\s+)?$", re.IGNORECASE)


def names_the_biopsy(before: str) -> bool:
    """Whether a plain biopsy word ("bx", "biopsy") names the lesion's procedure; ``before`` is
    the part of its sentence before it."""
    return _SENT_FOR.search(before) is None


def sampling_purpose(sentence: str) -> bool:
    """Whether a procedure sentence says the tissue was taken to make a diagnosis."""
    return _SAMPLING_PURPOSE.search(sentence) is not None


def saucerization_removes(procedures: Iterable[tuple[bool, Procedure]], sampled: bool) -> bool:
    """Whether a lesion's tangential words are saucerization words done to remove it (module docstring).

    ``procedures`` are the lesion's ``(weak, procedure)`` words; ``sampled`` says a sentence or
    diagnosis of the lesion gives a diagnostic purpose.
    """
    if sampled:
        return False
    words = list(procedures)
    tangential = [p for _, p in words if p.kind == "biopsy_tangential"]
    if not tangential or not all(_SAUCERIZATION.fullmatch(p.text.strip()) for p in tangential):
        return False  # no saucerization, or a word that names a biopsy ("shave bx", a bare "bx")
    if any(p.kind in ("biopsy_punch", "biopsy_incisional") for _, p in words):
        return False  # a punch or wedge of the same lesion samples it
    return any(p.kind == "shave" or (weak and p.kind == "excision") for weak, p in words)
