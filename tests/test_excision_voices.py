"""Excisions and their repairs told in everyday voices (twenty-seventh dev set, GUIDELINES.md).

Each table is snippet -> expected CPT lines (suggested, billable) for the way a primary-care,
plastics, Mohs-unit, portal, template or dictated note writes a standard excision.  The snippets
are invented; they stand for a class of wording, not for a note.
"""

from __future__ import annotations

import pytest


def _cpt(coder, text: str) -> list[str]:
    record = next(iter(coder.code_many([("t", text)])))
    return sorted(c.code for c in record.codes if c.system == "CPT" and c.status == "suggested" for _ in range(c.units))


# Size, margin and closure wordings.
WORDINGS = [
    # a scar "is" N cm after the closure is the repair length, not a lesion size
    ("Firm nodule of the left forearm, 0.8 cm, clinically a pilomatricoma, dissected out, no margin. "
     "Layered closure with 4-0 Monocryl; the scar is 2.1 cm. Pathology: pilomatricoma.", ["11401", "12031"]),
    ("Epidermoid cyst of the upper back, 1.5 cm, removed whole. Closed in two layers. The final scar line is "
     "3.4 cm long. Pathology: epidermoid cyst.", ["11402", "12032"]),
    # the length after two suture materials named with "then"
    ("Excision of pilar cyst, left occipital scalp, 1.4 cm, no skin margin. Closed in layers, 3-0 Vicryl then "
     "staples, 2.6 cm. Path: trichilemmal cyst.", ["11422", "12032"]),
    # a lesion's own width "at the widest" is its size
    ("Lesion 1. Biopsy-proven squamous cell carcinoma in situ, left forearm, measuring 1.1 cm at the widest. "
     "Margin 3 mm. Layered closure, final length 3.5 cm.\nLesion 2. Biopsy-proven basal cell carcinoma, left "
     "upper back, 0.8 cm. Margin 4 mm. Layered closure, final length 3.5 cm.\nPath: 1 SCC in situ, clear. "
     "2 basal cell carcinoma, clear.", ["11602", "11602", "12032"]),
]


@pytest.mark.parametrize("text, expected", WORDINGS)
def test_size_margin_and_closure_wordings(coder, text: str, expected: list[str]) -> None:
    assert _cpt(coder, text) == sorted(expected)


# Speech-recognition spellings of the closure class.
DICTATED = [
    ("Excision of basal cell carcinoma of the right temple, 0.9 cm, 4 mm margins, with inner mediate repair, "
     "final length 3.2 cm. Pathology returned basal cell carcinoma.", ["11642", "12052"]),
    ("Biopsy-proven basal cell carcinoma of the left cheek, 1.0 cm, excised with 4 mm margins period. An inter "
     "mediate repair was performed, length 3.0 cm.", ["11642", "12052"]),
]


@pytest.mark.parametrize("text, expected", DICTATED)
def test_misheard_closure_class_words(coder, text: str, expected: list[str]) -> None:
    assert _cpt(coder, text) == sorted(expected)


# A diagnosis proven before the excision, in the words of a visit note.
PROVEN = [
    # a follow-up for a biopsy-proven cancer is that cancer, not a plan
    ("S: f/u for bx-proven SCC L forearm, here for excision. O: scaly papule L forearm, 0.8cm. Procedure: "
     "excised w/ 4mm margins, closed in layers, wound 3.0 cm.", ["11602", "12032"]),
    # the biopsy named after the diagnosis with an adjective ("a broad shave biopsy")
    ("Melanoma in situ of the left cheek, proven on a broad shave biopsy; residual pigment 5 mm. Excised with "
     "5 mm margins; complex closure, final length 4.0 cm. Permanent sections pending.", ["11642", "13132"]),
    # a clinic session named for Mohs is no plan and no Mohs procedure
    ("Seen on the Mohs schedule, but this biopsy-proven basal cell carcinoma of the left shin is suited to a "
     "standard excision on the lower leg. Lesion 1.0 cm, 4 mm margins, closed in layers, length 4.0 cm.",
     ["11602", "12032"]),
    # a diagnosis read "on punch biopsy" with the biopsy's month: a re-excision whose own pathology finds no residual
    ("Wide excision, right upper arm. Dx: lentigo maligna melanoma in situ on shave biopsy 2/2026. Scar 1.0 cm, "
     "0.5 cm margins marked, excised to fascia, layered closure 5.0 cm. Path: no residual melanoma in situ.",
     ["11602", "12032"]),
    # an excision told only as the depth it was taken to, with no excision word
    ("Operative summary: melanoma, right thigh, Breslow 0.4 mm on a prior biopsy. The scar, 1.5 cm, was outlined "
     "with a 1 cm margin and taken down to the fascia. Layered closure, final length 7.0 cm.", ["11604", "12032"]),
    # a biopsy equated with its result by "=" or an arrow
    ("Indication: shave bx last month = BCC, nodular. Site: R forearm. Lesion 1.0 cm, excised with 3 mm margins, "
     "closed in layers, final length 3.5 cm.", ["11602", "12032"]),
    # an excision told as a question-and-answer checklist, a margin with no margin word, a final line length
    ("Excision checklist. Q: Site? A: L shin. Q: Why? A: punch bx = SCC in situ. Q: Size? A: 10 mm. Q: Margin? A: 3 mm all around. "
     "Q: Closure? A: closed in two layers, final line 3.8 cm.", ["11602", "12032"]),
    # a fusiform excision on the temple hidden in the crow's-foot lines is no foot lesion
    ("L temple -> bx-proven BCC -> 8 mm papule -> 3 mm margins -> ellipse in a crow's-foot line -> intermediate "
     "closure 3.2 cm.", ["11642", "12052"]),
]


@pytest.mark.parametrize("text, expected", PROVEN)
def test_a_proven_diagnosis_in_a_visit_note(coder, text: str, expected: list[str]) -> None:
    assert _cpt(coder, text) == sorted(expected)


# A site named only as a structure the repair protects is not a second lesion.
def test_a_structure_named_as_what_the_repair_protects_is_no_lesion(coder) -> None:
    text = (
        "Biopsy-proven basal cell carcinoma of the left lower cheek, 0.8 cm, excised with 4 mm margins. To avoid "
        "pulling down the lower lid, the defect was repaired with a complex closure, final length 4.2 cm."
    )
    assert _cpt(coder, text) == ["11642", "13132"]


# Portal letters and plain words.
PORTAL = [
    ("Hi, here is a summary of today's visit. I removed the mole on the back of your left shoulder. It measured "
     "about 4 mm across, and I took it out with a 2 mm rim of normal skin. Good news: the lab called it a benign "
     "compound nevus.", ["11401"]),
    ("As we discussed, the lump on your upper back was an epidermoid cyst, 1.2 cm across. I took it out whole "
     "and closed it with a simple repair. The lab confirmed an epidermoid cyst.", ["11402"]),
]


@pytest.mark.parametrize("text, expected", PORTAL)
def test_portal_letters_and_plain_removal_words(coder, text: str, expected: list[str]) -> None:
    assert _cpt(coder, text) == sorted(expected)


# Layouts: template fields with no procedure word, ordinal items, lettered pathology.
LAYOUTS = [
    ("Facial plastics note\nLesion: nevus, right upper lip, cutaneous portion\nSize: 5 mm\nMargin: 1 mm\n"
     "Repair: intermediate, 1.6 cm\nPath: compound nevus.", ["11441", "12051"]),
    ("Two moles removed at her request.\nFirst, the left forehead: nevus 4 mm, 1 mm margins, layered closure, "
     "1.8 cm.\nSecond, the right side of the neck: nevus 5 mm, 2 mm margins, layered closure, 2.2 cm.\n"
     "Pathology: both intradermal nevi.", ["11421", "11441", "12041", "12051"]),
    ("Site A, left upper back: atypical nevus, 5 mm, excised with 2 mm margins, layered closure, wound length "
     "2.0 cm.\nSite B, right lower back: nevus, 8 mm, excised with 2 mm margins, layered closure, wound length "
     "3.0 cm.\nPathology: A dysplastic nevus, clear; B compound nevus, clear.", ["11401", "11402", "12032"]),
]


@pytest.mark.parametrize("text, expected", LAYOUTS)
def test_layouts(coder, text: str, expected: list[str]) -> None:
    assert _cpt(coder, text) == sorted(expected)


# What does not change: a note with no margin or no closure names no implied excision, a prose
# "First, ..." is no list item, and a lone "A" before a word is the article.
UNCHANGED = [
    ("Compound nevus of the left upper arm, 5 mm, excised with 2 mm margins.\nFirst, the area was prepped and "
     "anesthetized.\nSecond, the wound was closed in layers, length 2.0 cm.\nPathology: compound nevus.", ["11401", "12031"]),
    ("Lesion: nevus, left upper arm\nSize: 5 mm\nPath: compound nevus.", []),
    ("A dysplastic nevus of the right upper back, 6 mm, was excised with 2 mm margins and closed in layers, "
     "length 2.0 cm.", ["12031"]),  # dysplastic, no pathology: the excision is held, the repair is not
]


@pytest.mark.parametrize("text, expected", UNCHANGED)
def test_what_does_not_change(coder, text: str, expected: list[str]) -> None:
    assert _cpt(coder, text) == sorted(expected)
