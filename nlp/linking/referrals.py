"""A procedure the note refers the patient for is done elsewhere, not at this visit.

"Referred to Mohs", "Mohs referral placed", "refer to plastics for excision": ConText's REFERRED
cue ('referred', 'refer', 'referral', ... in ``context_rules.json``) marks the procedure it
covers, and such a procedure is planned, like one booked for later.  It sets no ConText flag
itself, because a referral is also how a Mohs report opens: "She was referred for Mohs surgery
of a biopsy-proven BCC ... a first stage was excised and divided into two blocks".  When the note
documents Mohs done today (its stages, layers or blocks, ``MOHS_DONE``), a referred Mohs mention
is that Mohs.  Any other referred procedure is planned: the note that does it names it again
("referred for excision of a BCC ... the lesion was excised with 4 mm margins").
"""

from __future__ import annotations

from nlp.linking.build import MOHS_DONE
from nlp.linking.facts import Fact

REFERRED = "REFERRED"


def mark_referred(text: str, facts: list[Fact]) -> None:
    """Make each referred procedure mention hypothetical, unless it is the Mohs the note documents."""
    referred = [f for f in facts if f.label == "PROCEDURE" and REFERRED in f.modifiers]
    if not referred:
        return
    mohs_documented = MOHS_DONE.search(text) is not None
    for fact in referred:
        if fact.value.get("kind") == "mohs" and mohs_documented:
            continue
        fact.mention.hypothetical = True
