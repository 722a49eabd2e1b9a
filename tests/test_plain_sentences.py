"""Plain, short sentences (GUIDELINES twenty-sixth set): a busy clinician's one-line notes are read
as well as long operative notes.  Each table is one class of wording; the snippets are invented."""

from __future__ import annotations

import pytest


def cpt_lines(coder, text: str) -> list[str]:
    result = coder.code(text, "plain")
    return sorted(c.code for c in result.codes if c.system == "CPT" for _ in range(c.units))


# Verb forms a short note uses for the procedure.
@pytest.mark.parametrize(
    ("text", "cpt"),
    [
        # "cut out", "took out" and "taken with <margins>" are removal words (an excision with margins)
        ("Cut out a 1.0 cm cyst from the back with 2 mm margins.", ["11402"]),
        ("Epidermoid cyst, left flank, 1.5 cm. Taken with 2 mm margins.", ["11402"]),
        ("Took out a 0.8 cm cyst on the left arm with 1 mm margins.", ["11401"]),
        # "drained a/an/the" and "I drained" drain a lesion today ("it drained last winter" stays weak)
        ("Drained an inflamed epidermoid cyst on the upper back; no packing.", ["10060"]),
        ("I drained the pilar cyst on the scalp.", ["10060"]),
        # a bare "clipped" removes skin tags only beside a skin-tag word (hair is clipped too)
        ("Clipped 9 skin tags from the neck.", ["11200"]),
        ("Three skin tags on her neck were clipped.", ["11200"]),
        ("The hair was clipped. A 1 cm cyst on the back was removed with 2 mm margins.", ["11402"]),
        ("CLIPPED 20 SKIN TAGS FROM THE NECK.", ["11200", "11201"]),
        # "punched", "ablated" ("lasered" is left out: the typo table reads "layered" as it)
        ("Punched a 4 mm biopsy from the left shin.", ["11104"]),
        ("Ablated 2 SKs on the back with the CO2 laser.", ["17110"]),
        # a bare "frozen" after the lesion destroys AKs, SKs and warts; "frozen sections" of a cancer do not
        ("R forearm: 4 AKs frozen.", ["17000", "17003", "17003", "17003"]),
        ("Warts x3 frozen, L hand.", ["17110"]),
        ("Mohs of a BCC of the nose, 2 stages; frozen sections clear.", ["17311", "17312"]),
        # a sample taken tangentially, or with a blade "tangential", is a tangential biopsy (weak)
        ("Sample 1: 3 mm punch, left shin, sent. Sample 2: flexible blade, tangential, right temple 5 mm papule, "
         "sent to path.", ["11103", "11104"]),
        ("Scaly papule R forearm: took a tangential sample with a blade; sent for histology.", ["11102"]),
    ],
)
def test_short_note_verbs(coder, text: str, cpt: list[str]) -> None:
    assert cpt_lines(coder, text) == cpt


# A site that "off" or "from" places right after the lesion word is where the lesion was, even
# with a positioning verb ("shaved", "clipped") in the sentence.
@pytest.mark.parametrize(
    ("text", "region", "side"),
    [
        ("Shaved a 6 mm irritated SK off the right cheek.", "cheek", "right"),
        ("Shaved the 5 mm dermal nevus off her mid back.", "back", None),
        ("Shaved an SK from the left temple.", "temple", "left"),
        ("Clipped 6 skin tags from the left axilla.", "axilla", "left"),
    ],
)
def test_site_after_off_or_from_the_lesion(lesions, text: str, region: str, side: str | None) -> None:
    (lesion,) = lesions(text)
    assert lesion.site is not None
    assert (lesion.site.region, lesion.site.laterality) == (region, side)


# A size, wound length or proof written in an unusual place in the sentence.
@pytest.mark.parametrize(
    ("text", "cpt"),
    [
        # a size standing alone after a semicolon finishes the clause before it
        ("BCC, left forearm, bx-proven; 1.2 cm. Excised with 4 mm margins.", ["11602"]),
        ("Dermal nevus of the R thigh; 9 mm. Excised with 2 mm margins.", ["11402"]),
        # "biopsy-proven" after the size still proves the cancer (the decimal point is no sentence end)
        ("SCC of the left forearm, 1.5 cm, biopsy-proven. Excised with 4 mm margins.", ["11603"]),
        # "closed it in layers, <length>": an intermediate repair of that length
        ("Removed a 0.9 cm cyst from the left shoulder with 3 mm margins and closed it in layers, 3.0 cm.", ["11402", "12032"]),
        ("Excised a 1 cm nevus on the back with 2 mm margins and closed them in layers, 2.2 cm.", ["11402", "12031"]),
    ],
)
def test_size_and_repair_in_unusual_places(coder, text: str, cpt: list[str]) -> None:
    assert cpt_lines(coder, text) == cpt


# Mohs stages numbered in roman numerals that open sentences ("SCC. I: 6 blocks. II: 2 blocks").
@pytest.mark.parametrize(
    ("text", "cpt"),
    [
        ("Mohs, left temple, BCC. I: 3 blocks. II: 1 block, clear.", ["17311", "17312"]),
        ("Mohs, R forearm, SCC. I: 7 blocks. II: 2 blocks, clear. Granulation.", ["17313", "17314", "17315", "17315"]),
    ],
)
def test_mohs_roman_stages_in_sentences(coder, text: str, cpt: list[str]) -> None:
    assert cpt_lines(coder, text) == cpt


# "no sutures", "no packing": wound care, negating nothing after it.
@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("Two punch biopsies, no sutures, Gelfoam: R forearm and L thigh.", "R forearm"),
        ("Shave biopsy, no stitches, Drysol: left temple.", "left temple"),
        ("Drained, no packing, warm compresses: cyst on the back.", "back"),
    ],
)
def test_no_sutures_negates_only_itself(pipeline, text: str, target: str) -> None:
    doc = pipeline(text)
    (ent,) = [e for e in doc.ents if e.text == target]
    assert not ent._.is_negated


# An abscess, furuncle, carbuncle or paronychia drained is 10060/10061 (reference 3.5); its ICD-10-CM
# code is not in the reference, so a query asks for it and no ICD-10-CM line is emitted.
@pytest.mark.parametrize(
    ("text", "cpt"),
    [
        ("I&D of an abscess on the right buttock.", ["10060"]),
        ("Incision and drainage of a furuncle on the left thigh.", ["10060"]),
        ("Incised and drained a carbuncle on the back of the neck; packed with iodoform gauze.", ["10061"]),
        ("I&D of a paronychia, left index finger.", ["10060"]),
    ],
)
def test_abscess_drainage_asks_for_the_icd_code(coder, text: str, cpt: list[str]) -> None:
    result = coder.code(text, "plain")
    assert cpt_lines(coder, text) == cpt
    assert not [c for c in result.codes if c.system == "ICD-10-CM"]
    assert [q.rule for q in result.queries] == ["query.abscess_icd"]


# A count before a procedure word still counts its lesions with the instrument's size between.
@pytest.mark.parametrize(
    ("text", "cpt"),
    [
        ("Two 3 mm punch bx, no sutures: R calf (r/o DF) and L upper back (r/o BCC).", ["11104", "11105"]),
        ("Three 4-mm punch biopsies: left forearm, right thigh and mid back.", ["11104", "11105", "11105"]),
        ("Two punch bx: R shin and L shoulder.", ["11104", "11105"]),
    ],
)
def test_counted_procedure_with_the_instrument_size(coder, text: str, cpt: list[str]) -> None:
    assert cpt_lines(coder, text) == cpt


# Sites that fit one another are still two lesions when each sentence does another procedure to
# another diagnosis; the same diagnosis (or a report line) keeps them one.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Drained an inflamed pilar cyst on the posterior scalp. Then snipped 3 skin tags from the L scalp.",
            [("scalp", "pilar_cyst", "incision_drainage"), ("scalp", "skin_tag", "skin_tag_removal")],
        ),
        (
            "Shaved a 6 mm SK off the left cheek. Froze 3 AKs on the left cheek.",
            [("cheek", "seborrheic_keratosis", "shave"), ("cheek", "actinic_keratosis", "destruction")],
        ),
        (
            "Punch biopsy of a 6 mm papule on the R forearm showed DF. Excised the dermatofibroma on the R forearm with 2 mm margins.",
            [("forearm", "dermatofibroma", "excision")],
        ),
    ],
)
def test_two_statements_at_one_site(lesions, text: str, expected: list[tuple[str, str, str]]) -> None:
    got = [(lesion.site.region, lesion.diagnosis.kind, lesion.procedure.kind) for lesion in lesions(text)]
    assert got == expected


# Abbreviations a short note uses for the lesion.
@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("ED&C of a 1.2 cm sBCC on the R shoulder.", "bcc"),
        ("Excised a 0.9 cm nBCC of the L temple with 3 mm margins.", "bcc"),
        ("MMIS, L cheek, bx-proven, 0.7 cm. Excised with 5 mm margins.", "melanoma_in_situ"),
        ("Shaved 2 ISKs off the left flank.", "irritated_seborrheic_keratosis"),
        ("Excised 2 EICs from the upper back.", "epidermoid_cyst"),
    ],
)
def test_lesion_abbreviations(lesions, text: str, kind: str) -> None:
    assert [lesion.diagnosis.kind for lesion in lesions(text)] == [kind]
