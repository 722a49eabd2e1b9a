"""Lesion counting for the counted families: each written number counts lesions once.

Skin tags (11200 for 1-15, +11201 per further 10 or part: reference 3.1), premalignant destruction
(17000, +17003 per lesion 2-14, 17004 alone for 15 or more: 3.5) and benign destruction (17110 up
to 14, 17111 for 15 or more) are coded from how many lesions the note counts, so a number read
twice (as a site's count and again as the next site's) moves a code.  The rule, as the table reads:

* a number written with the diagnosis or the procedure in a sentence that lists several sites
  ("Removal of 26 skin tags from the neck, axillae, and groin") is the total of that group of
  sites, not the count of the site written next to it;
* per-site counts that add up to a stated total are the same lesions, not more ("36 skin tags
  from the neck (20) and axillae (16)");
* per-site counts with no total are summed ("12 on the neck and 6 in the left axilla"), also when
  the number before the first site stands with its diagnosis ("Skin tags: 12 on the neck ...");
* a total in the sentence of one site's removal is that site's ("... on her neck were removed, a
  total of eleven. A further six in the groin ...": 11 + 6).
"""

from __future__ import annotations

import pytest


def _tags(n: int) -> dict[str, int]:
    return {"11200": 1, **({"11201": -(-(n - 15) // 10)} if n > 15 else {})}


def _aks(n: int) -> dict[str, int]:
    return {"17004": 1} if n >= 15 else {"17000": 1, **({"17003": n - 1} if n > 1 else {})}


@pytest.mark.parametrize(
    "text, expected",
    [
        # a number with the diagnosis before a list of sites is the group's total (26 -> 11201 x2, not x4)
        ("PROCEDURE: Removal of 26 skin tags from the neck, axillae, and groin with scissors and cautery.", _tags(26)),
        ("PROCEDURE: Removal of 18 skin tags from the neck and axillae with scissors.", _tags(18)),
        ("Twenty-six acrochordons were snipped from the neck and both axillae.", _tags(26)),
        ("Removal of 15 skin tags from the neck and axillae.", _tags(15)),
        ("Removal of 16 skin tags from the neck and axillae.", _tags(16)),
        # a total in brackets after the last site is the note's, not that site's count (7 + 9 + 12)
        ("We snipped 7 tags from the left axilla, 9 from the right axilla and 12 from the neck (28 in total).", _tags(28)),
        ("Skin tags were removed from the neck (10) and chest (8).", _tags(18)),
        ("Removal of 25 skin tags from the neck, chest, and axillae.", _tags(25)),
        ("Removal of 26 skin tags from the neck, chest, and axillae.", _tags(26)),
        ("Removed 16 skin tags (neck, axillae) with scissors.", _tags(16)),
        # a count after the diagnosis, before the sites
        ("Removal of skin tags x 17 from bilateral axillae and neck.", _tags(17)),
        # a procedure noun between the diagnosis and its count
        ("Procedure: skin tag removal x 16, neck and chest. Method: snip excision. Complications: none.", _tags(16)),
        ("Procedure: acrochordon removal x 26, neck and axillae.", _tags(26)),
        # a count field opening a sentence or line
        ("PROCEDURE: Removal of skin tags from the neck and axillae. Count: 18. Method: scissors.", _tags(18)),
        ("PROCEDURE: Snip removal of skin tags, neck and groin. Count: 16.", _tags(16)),
        ("Lesion count: 17. Skin tags of the neck and axillae were snipped.", _tags(17)),
        # per-site counts that add up to the total are the same lesions
        ("A: Acrochordons x 18 (neck 10, axillae 8). P: Snip excision of all 18 after lidocaine.", _tags(18)),
        ("Removal of 36 skin tags from the neck (20) and axillae (16).", _tags(36)),
        ("Removal of 40 skin tags from the neck (25) and axillae (15).", _tags(40)),
        ("Skin tags x 25 (neck 15, axillae 10) snipped with scissors.", _tags(25)),
        ("Skin tags x 26 (neck 14, axillae 12) were snipped.", _tags(26)),
        ("Skin tags were removed from the neck, both axillae, and the groin, for a total of 35.", _tags(35)),
        # a total said again in the procedure is the same tags
        ("Assessment: skin tags, 26 total.\nProcedure: removal of 26 skin tags from the neck, axillae and groin.", _tags(26)),
        # per-site counts with no total are summed
        ("Skin tags: 12 on the neck and 6 in the left axilla, snipped with scissors.", _tags(18)),
        ("Twelve skin tags were removed from the neck and three more from the chest.", _tags(15)),
        ("Skin tags removed with scissors: neck 10, R axilla 6.", _tags(16)),
        ("I removed sixteen skin tags from around her neck with fine scissors.", _tags(16)),
        # a total in one site's sentence is that site's; "a further six" are more of the same tags
        (
            "Under local anesthesia, the skin tags on her neck were removed with scissors, a total of eleven. "
            "A further six in the groin were removed with cautery.",
            _tags(17),
        ),
        ("Skin tags of the neck were snipped with scissors, 9 in total. Another 7 on the chest were removed with cautery.", _tags(16)),
        # a times sign before each site's count: the "x 8" after the neck opens the next item (10 + 8 + 6)
        ("Skin tags x 10 neck, x 8 right axilla, x 6 left axilla, snip removal.", _tags(24)),
        ("Cryotherapy: AKs x 3 scalp, x 2 forehead.", _aks(5)),
        # "nine of the groin" counts a site's tags, not a part of the fourteen (14 + 9)
        ("Fourteen skin tags of the neck and nine of the groin were snipped with fine scissors.", _tags(23)),
        # the part removed at the sites caps the lesions examined ("about 35 ... 20 ... removed")
        ("About 35 skin tags were seen; 20 on the neck and chest were removed today, the others left for another visit.", _tags(20)),
        # premalignant destruction: the group's number is the total, not each site's
        ("Procedure: Cryotherapy of 12 actinic keratoses on the face and scalp with liquid nitrogen, two freeze-thaw cycles.", _aks(12)),
        ("Cryotherapy: actinic keratoses x 14 on the scalp and forehead.", _aks(14)),
        ("Cryotherapy of 14 actinic keratoses on the scalp, forehead and cheeks.", _aks(14)),
        ("Cryotherapy of 15 actinic keratoses on the scalp and forehead.", _aks(15)),
        ("Cryotherapy of 2 actinic keratoses on the forehead and scalp.", _aks(2)),
        ("Destruction of 16 AKs of the face and ears with liquid nitrogen.", _aks(16)),
        ("Destruction of 25 AKs of the scalp, forehead and ears with liquid nitrogen.", _aks(25)),
        ("AKs (12) of the face and scalp were frozen with liquid nitrogen.", _aks(12)),
        # a bracketed list of per-site counts: the closing bracket ends the last site's item
        ("Cryotherapy was performed on 8 actinic keratoses (face 5, scalp 3).", _aks(8)),
        ("Cryotherapy was performed on 16 actinic keratoses (scalp 10, forehead 6).", _aks(16)),
        ("LN2 applied to AKs: forehead 6, scalp 5, dorsal hands 4. Total 15.", _aks(15)),
        ("Twelve AKs were treated with cryotherapy today.", _aks(12)),
        # benign destruction
        ("Molluscum contagiosum lesions (about 20) on the trunk were curetted.", {"17111": 1}),
        ("Molluscum contagiosum lesions (about 14) on the trunk were curetted.", {"17110": 1}),
        ("Seborrheic keratoses x 15 on the back and chest were frozen with liquid nitrogen.", {"17111": 1}),
        ("A: SKs x 16, back and chest, irritated. P: LN2 to all 16.", {"17111": 1}),
        ("Liquid nitrogen to 14 seborrheic keratoses of the back and chest.", {"17110": 1}),
        ("Liquid nitrogen was applied to 3 seborrheic keratoses on the back and 2 on the chest.", {"17110": 1}),
        ("Common warts (n=16) on the hands and knees were frozen with liquid nitrogen.", {"17111": 1}),
        ("Curettage of 16 molluscum on the trunk and thighs.", {"17111": 1}),
        # a per-site count list closed by a dash and the technique: the last site's count is read too
        ("Skin tags - neck 9, axillae 8 - snipped at the stalk.", {"11200": 1, "11201": 1}),
        ("Seborrheic keratoses - back 10, chest 6 - liquid nitrogen.", {"17111": 1}),
        # a cancer's ED&C: a times sign after its site is the cycles, and the next clause's count is others'
        ("S: bx-proven SCCIS L flank.\nO: L flank pink patch 0.8 cm.\nP: ED&C L flank x3.", {"17261": 1}),
        ("Dx: biopsy-proven sBCC R shin 1.2 cm; AKs both hands x5.\nProc: ED&C x3 cycles to the BCC R shin; LN2 to 5 AKs.",
         {"17262": 1, "17000": 1, "17003": 4}),
    ],
)
def test_each_written_number_counts_lesions_once(coder, text: str, expected: dict[str, int]) -> None:
    units: dict[str, int] = {}
    for code in coder.code(text).codes:
        if code.system == "CPT" and code.status == "suggested":
            units[code.code] = units.get(code.code, 0) + (code.units or 1)
    assert units == expected


@pytest.mark.parametrize(
    "text, site, count",
    [
        # inside brackets the closing bracket ends the last site's item
        ("Acrochordons x 18 (neck 10, axillae 8).", "axillae", 8),
        ("8 AKs (face 5, scalp 3) frozen.", "scalp", 3),
        # outside them "scalp 2)" numbers the next item of a "1) ... 2) ..." list
        ("LN2 to AKs: 1) scalp 2) forehead.", "scalp", None),
    ],
)
def test_a_count_closing_a_bracketed_list_of_sites(text: str, site: str, count: int | None) -> None:
    from nlp.procedure_details import site_count

    start = text.index(site)
    assert site_count(text, start, start + len(site)) == count


@pytest.mark.parametrize(
    "text, counts",
    [
        # the group's total goes to the sites without a count of their own, all but one each to the first
        ("Removal of 26 skin tags from the neck, axillae, and groin.", {"neck": 24, "axilla": 1, "groin": 1}),
        # own counts that add up to the total are the records' counts
        ("Removal of 36 skin tags from the neck (20) and axillae (16).", {"neck": 20, "axilla": 16}),
        ("Cryotherapy was performed on 8 actinic keratoses (face 5, scalp 3).", {"face": 5, "scalp": 3}),
        # a "further six" in the next sentence are more tags at their own site
        (
            "The skin tags on her neck were removed with scissors, a total of eleven. A further six in the groin were removed with cautery.",
            {"neck": 11, "groin": 6},
        ),
    ],
)
def test_group_totals_per_record(lesions, text: str, counts: dict[str, int]) -> None:
    assert {lesion.site.region: lesion.count for lesion in lesions(text)} == counts
