"""Entity rules: snippet -> the span and normalised value the pipeline must find.

Span edges follow annotations/GUIDELINES.md: laterality and position words belong to a site,
subtype words to a diagnosis, and nothing else.
"""

from __future__ import annotations

import pytest


def ents(pipeline, text: str) -> list[tuple[str, str, dict]]:
    doc = pipeline(text)
    return [(e.label_, e.text, e._.opnote_value or {}) for e in doc.ents]


def find(pipeline, text: str, label: str) -> list[tuple[str, dict]]:
    return [(t, v) for lab, t, v in ents(pipeline, text) if lab == label]


@pytest.mark.parametrize(
    ("snippet", "span", "region", "laterality"),
    [
        ("A 4 mm nevus of the left nasal ala was excised.", "left nasal ala", "nose", "left"),
        # the submental triangle is neck skin (annotations/GUIDELINES.md, sixth excision set)
        ("A 1.2 cm cyst in the submental region was excised.", "submental region", "neck", None),
        ("Lesion on the R cheek.", "R cheek", "cheek", "right"),
        ("Wart on the right plantar forefoot.", "right plantar forefoot", "foot", "right"),
        ("Papule of the right upper eyelid.", "right upper eyelid", "eyelid", "right"),
        ("Cyst of the vertex scalp.", "vertex scalp", "scalp", None),
        ("Nevus, left upper back.", "left upper back", "back", "left"),
        ("Lesion of the left dorsal forearm.", "left dorsal forearm", "forearm", "left"),
        ("Lesion on the dorsum of the left hand.", "dorsum of the left hand", "hand", "left"),
        ("Lesion of the helix of the right ear.", "helix", "ear", None),
        ("SK on the nasal tip.", "nasal tip", "nose", None),
        ("Lesion at the right nasolabial fold.", "right nasolabial fold", "cheek", "right"),
        ("Cyst, left preauricular area.", "left preauricular area", "cheek", "left"),
        ("Nevus of the upper lip vermilion.", "upper lip vermilion", "lip", None),
        ("Cyst at the scalp vertex.", "scalp vertex", "scalp", None),
        ("Nevus, left scapular back.", "left scapular back", "back", "left"),
        ("Lesion of the left great toe.", "left great toe", "toe", "left"),
        ("Lipoma of the right thigh.", "right thigh", "thigh", "right"),
        ("Lesion on the penile shaft.", "penile shaft", "genitalia", None),
        ("Nevus of the left lower leg.", "left lower leg", "leg", "left"),
        ("Lesion at the glabella.", "glabella", "glabella", None),
        ("Lesion of the columella.", "columella", "nose", None),
        ("Nevus of the posterior neck.", "posterior neck", "neck", None),
        # a short word's misspelling listed by hand (targets/typos.json misspellings)
        ("Eight skin tags of the left lateral nek were snipped.", "left lateral nek", "neck", "left"),
        ("Nevus of the posterior Nek.", "posterior Nek", "neck", None),
        ("AKs of the R cheeck x2 were frozen.", "R cheeck", "cheek", "right"),
        ("Six tags of the nekc were snipped.", "nekc", "neck", None),
        ("Cyst, right axilla.", "right axilla", "axilla", "right"),
        # plural region words name the region ("tags in the groins")
        ("Skin tags in the groins were snipped.", "groins", "groin", None),
        ("Tags of the left inguinal creases were snipped.", "left inguinal creases", "groin", "left"),
        # the adjective names the region, like "nasal" and "scapular"
        ("Punch biopsy of the abdominal papule.", "abdominal", "abdomen", None),
        # "axilla" forgives one-edit misspellings (targets/typos.json)
        ("Tags of the left axila were snipped.", "left axila", "axilla", "left"),
        # position words written after the site belong to it, unless they place it from a landmark
        ("Excisional biopsy of left chest medial actinic keratosis.", "left chest medial", "chest", "left"),
        ("Ulcer of the left fifth toe plantolaterally.", "left fifth toe plantolaterally", "toe", "left"),
        ("Ellipse on the plantolateral aspect of the left fifth toe.", "plantolateral aspect of the left fifth toe", "toe", "left"),
        ("A nevus of the right arm lateral to the elbow.", "right arm", "arm", "right"),
        # "right and left cheek": the first side names the cheek on that side
        ("Basal cell carcinoma, right and left cheek.", "right", "cheek", "right"),
        ("Basal cell carcinoma, right and left cheek.", "left cheek", "cheek", "left"),
        # a dictation homophone of "right" is its side (GUIDELINES.md, eighteenth set, decision 10)
        ("A pearly papule on the rite upper arm.", "rite upper arm", "arm", "right"),
        # "bilat" is bilateral; plural site words name the region
        ("Punch bx x2, bilat shins.", "bilat shins", "leg", "bilateral"),
        ("Shave bx x2, bilat temples.", "bilat temples", "temple", "bilateral"),
        # "bilat" is a side word; plural leg words name the leg (annotations/GUIDELINES.md, eighteenth set, decision 12)
        ("F/G  bilat shins, rt (F) and lt (G): pink scaly plaques", "bilat shins", "leg", "bilateral"),
        ("Scaly plaques of both calves.", "calves", "leg", None),
        # "clipped" or "shaved" that removes (scissors, "off", tags named) is no prep verb: the site stays
        ("Five acrochordons of the left groin were clipped off with curved scissors.", "left groin", "groin", "left"),
        ("Skin tags of the right axilla, clipped with Gradle scissors.", "right axilla", "axilla", "right"),
        ("Four small ones were also clipped at the posterior neck.", "posterior neck", "neck", None),
    ],
)
def test_site_spans(pipeline, snippet: str, span: str, region: str, laterality: str | None) -> None:
    sites = find(pipeline, snippet, "ANATOMIC_SITE")
    assert [s for s, _ in sites][:1] == [span] or span in [s for s, _ in sites]
    value = dict(sites)[span]
    assert value["region"] == region
    assert value["laterality"] == laterality


@pytest.mark.parametrize(
    ("snippet", "eyelid_part"),
    [("Lesion of the left lower eyelid.", "lower"), ("Lesion of the right upper lid.", "upper"), ("Lesion of the eyelid.", None)],
)
def test_eyelid_part(pipeline, snippet: str, eyelid_part: str | None) -> None:
    (_, value), *_ = find(pipeline, snippet, "ANATOMIC_SITE")
    assert value["eyelid_part"] == eyelid_part


@pytest.mark.parametrize(
    "snippet",
    [
        "The patient was placed supine on the table with his back flat.",
        "She was positioned prone and her back was prepped.",
        "The neck was shaved and prepped in the usual fashion.",
        "Hair clipped at the nape, prepped and draped.",
        "The hair was clipped from the left scalp and the skin prepped.",
        # "both" places the limbs as "the" does
        "Supine with both arms abducted.",
        "The patient lay prone with both legs extended on the table.",
    ],
)
def test_positioning_is_not_a_site(pipeline, snippet: str) -> None:
    assert find(pipeline, snippet, "ANATOMIC_SITE") == []


# A prep verb near a site that places a named lesion ("<diagnosis> on the <site>") acts on the lesion,
# not on the area's hair: the site stays.
@pytest.mark.parametrize(
    ("snippet", "span"),
    [
        ("7 skin tags on the neck were shaved flush with a 15 blade.", "neck"),
        ("Skin tags of the left axilla were clipped off at the base.", "left axilla"),
        ("The seborrheic keratosis on her back was shaved off.", "back"),
    ],
)
def test_a_prep_verb_on_a_placed_lesion_keeps_its_site(pipeline, snippet: str, span: str) -> None:
    assert span in [s for s, _ in find(pipeline, snippet, "ANATOMIC_SITE")]


@pytest.mark.parametrize(
    ("snippet", "span"),
    [
        # a site placed on a lesion word is the lesion's, whatever verb follows ("shaved", "clipped")
        ("The SK on his back was shaved flush.", "back"),
        ("The 8 mm nevus on the back was shaved off at the level of the dermis.", "back"),
        ("Tags on her neck were clipped.", "neck"),
        ("Four tags on the neck were clipped flush.", "neck"),
        ("Skin tags on both axillae were prepped and snipped.", "axillae"),
        # ... and a site "of" a diagnosis right before it
        ("Tags of the neck were clipped.", "neck"),
        ("Skin tags of both groins, each lifted and clipped flush.", "groins"),
        ("A papule at the left temple was prepped and shaved.", "left temple"),
        # a count before the removing verb: the lesions taken off the site, not hair clipped (sites.json
        # counted_removal_verbs)
        ("Then three more were clipped from the right groin.", "right groin"),
        ("Twelve snipped from the left axilla, all pedunculated.", "left axilla"),
        ("Four small ones were also clipped at the posterior neck.", "posterior neck"),
        # a biopsy or specimen "taken from" a site names the lesion's site, not a graft's donor site
        ("A punch biopsy was taken from the left forearm.", "left forearm"),
        ("A shave biopsy was taken from her right cheek.", "right cheek"),
        ("A 4 mm punch biopsy was taken from a pink papule on the left forearm.", "left forearm"),
        ("Punch biopsies were taken from the right thigh and left calf.", "left calf"),
    ],
)
def test_a_lesion_site_is_kept_beside_positioning_and_donor_words(pipeline, snippet: str, span: str) -> None:
    assert span in [text for text, _ in find(pipeline, snippet, "ANATOMIC_SITE")]


@pytest.mark.parametrize(
    "snippet",
    [
        "A full-thickness skin graft was taken from the left supraclavicular area.",
        "The graft was harvested from the left thigh.",
        "The patient was positioned on his back.",
    ],
)
def test_donor_and_positioning_sites_stay_dropped(pipeline, snippet: str) -> None:
    assert find(pipeline, snippet, "ANATOMIC_SITE") == []


@pytest.mark.parametrize(
    ("snippet", "span", "found"),
    [
        # a size written before the lesion noun is the lesion's, whatever place word follows it
        ("Shave removal of a 1.4 cm SK from the left temple.", "1.4 cm", True),
        ("Excised a 1.2 cm cyst from the upper back.", "1.2 cm", True),
        # a distance from a landmark is not a size, also with an adverb before the place word
        ("The papule lies 1 cm just below the lid margin.", "1 cm", False),
        ("A lesion located 2 cm from the eye.", "2 cm", False),
    ],
)
def test_a_size_before_a_lesion_word_is_not_a_distance(pipeline, snippet: str, span: str, found: bool) -> None:
    assert (span in [text for text, _ in find(pipeline, snippet, "LESION_SIZE")]) is found


@pytest.mark.parametrize(
    ("snippet", "span"),
    [("Froze 12 AKs on the face and scalp.", "Froze"), ("I froze three AKs on the scalp.", "froze"), ("The AKs were frozen with LN2.", "were frozen")],
)
def test_freezing_verbs_are_destruction(pipeline, snippet: str, span: str) -> None:
    assert span in [text for text, _ in find(pipeline, snippet, "PROCEDURE")]


def test_a_frozen_section_is_no_destruction(pipeline) -> None:
    assert find(pipeline, "Frozen sections were clear.", "PROCEDURE") == []


@pytest.mark.parametrize(
    "snippet",
    [
        "The ellipse was oriented parallel to the long axis of the thigh.",
        "The left arm was extended on a hand table.",
        "The lesion sat just above the vermilion border.",
        "Complex repair (free margin of the vermilion).",
        "He lies back in his chair.",
        # "back" before "for", "today", "again" with no word placing it is the adverb
        "72 yo M, retired, back for FBSE.",
        "58 yo F back for her skin tag removal.",
        "Back today for LN2 as planned.",
        # "back" after "none" or a verb of growing is the adverb: the lesions have not returned
        "Tags snipped last year, none back.",
        "The wart has grown back.",
        "Dog ear removal was performed.",
        "No palpable axillary adenopathy.",
        # a body-part word that names a part of an everyday object
        "The papule catches on the arm of her glasses.",
        "It rubs when he sits on the arm of the sofa.",
        "She hits it on the foot of the bed.",
        # the operator's grip on the blade or the skin, not a site on the patient
        "The flexible blade was bowed between thumb and forefinger.",
        "The skin was pinched up between thumb and index finger.",
        # the wrinkle lines at the lateral canthus, named to orient an ellipse, are no foot
        "Ellipse drawn in a crow's-foot line.",
        "The incision was hidden in the crow's feet.",
        "Closure line placed along the crows feet.",
    ],
)
def test_orientation_landmark_and_equipment_words_are_not_sites(pipeline, snippet: str) -> None:
    assert find(pipeline, snippet, "ANATOMIC_SITE") == []


@pytest.mark.parametrize(
    ("snippet", "region"),
    [
        # a side word before the pair makes it the patient's hand
        ("A 4 mm papule between the left thumb and index finger was sampled with a punch.", "finger"),
        ("Wart on the right thumb and index finger.", "finger"),
    ],
)
def test_a_hand_with_a_side_is_the_patients(pipeline, snippet: str, region: str) -> None:
    assert region in {value.get("region") for _, value in find(pipeline, snippet, "ANATOMIC_SITE")}


@pytest.mark.parametrize(
    "snippet",
    [
        "Itchy spots on his back for two years.",
        "Seborrheic keratoses of the back again irritated.",
        "Rough papules on the back today, frozen.",
    ],
)
def test_a_placed_back_before_an_adverb_follower_is_a_site(pipeline, snippet: str) -> None:
    assert [text.lower() for text, *_ in find(pipeline, snippet, "ANATOMIC_SITE")] == ["back"]


@pytest.mark.parametrize(
    ("snippet", "span", "kind", "behaviour"),
    [
        ("Path: compound dysplastic nevus with moderate atypia.", "compound dysplastic nevus", "dysplastic_nevus", "benign"),
        ("Dx: intradermal nevus.", "intradermal nevus", "melanocytic_nevus", "benign"),
        ("Final: nodular basal cell carcinoma, margins clear.", "nodular basal cell carcinoma", "bcc", "malignant"),
        ("Biopsy-proven BCC of the nose.", "BCC", "bcc", "malignant"),
        ("Squamous cell carcinoma in situ.", "Squamous cell carcinoma in situ", "scc_in_situ", "malignant"),
        ("SCCIS of the left hand.", "SCCIS", "scc_in_situ", "malignant"),
        ("Melanoma in situ, left back.", "Melanoma in situ", "melanoma_in_situ", "malignant"),
        ("Malignant melanoma of the arm.", "Malignant melanoma", "melanoma", "malignant"),
        ("Irritated seborrheic keratosis.", "Irritated seborrheic keratosis", "irritated_seborrheic_keratosis", "benign"),
        ("Inflamed SK of the cheek.", "Inflamed SK", "irritated_seborrheic_keratosis", "benign"),
        ("Atypical compound nevus.", "Atypical compound nevus", "dysplastic_nevus", "benign"),
        ("Epidermal inclusion cyst of the back.", "Epidermal inclusion cyst", "epidermoid_cyst", "benign"),
        ("Pilar cyst of the scalp.", "Pilar cyst", "pilar_cyst", "benign"),
        ("Lipoma of the shoulder.", "Lipoma", "lipoma", "benign"),
        ("Pyogenic granuloma of the lip.", "Pyogenic granuloma", "pyogenic_granuloma", "benign"),
        ("Dermatofibroma, right leg.", "Dermatofibroma", "dermatofibroma", "benign"),
        ("Seborreic keratosis (typo) of the back.", "Seborreic keratosis", "seborrheic_keratosis", "benign"),
        # wart types and molluscum carry their own ICD-10-CM codes (GUIDELINES.md, tenth set)
        ("Two plantar warts were pared and frozen.", "plantar warts", "plantar_wart", "benign"),
        ("Common warts of both hands.", "Common warts", "common_wart", "benign"),
        ("Verruca vulgaris, left index finger.", "Verruca vulgaris", "wart", "benign"),
        ("Molluscum contagiosum, trunk x11.", "Molluscum contagiosum", "molluscum_contagiosum", "benign"),
        # the skin-tag abbreviation "STs" (GUIDELINES.md, tenth set, decision 2)
        ("Several STs of the neck were snipped.", "STs", "skin_tag", "benign"),
        # and "ATs" (acrochordons), written in capitals only (GUIDELINES.md, tenth set, decision 2)
        ("Dx: ATs\nLoc: R axilla x4", "ATs", "skin_tag", "benign"),
        # fibroepithelial polyps, clinical or from pathology, are skin tags (GUIDELINES.md, fifteenth set, decision 1)
        ("Fibroepithelial polyps of the neck, rubbing on her collar.", "Fibroepithelial polyps", "skin_tag", "benign"),
        ("Path: fibroepithelial polyp.", "fibroepithelial polyp", "skin_tag", "benign"),
        # Latin plural and older names of skin tags (GUIDELINES.md, twenty-first set, decision 3)
        ("Four acrochorda of the right groin were clipped.", "acrochorda", "skin_tag", "benign"),
        ("Soft fibromas of both axillae, catching on her bra.", "Soft fibromas", "skin_tag", "benign"),
        ("A soft fibroma of the eyelid.", "soft fibroma", "skin_tag", "benign"),
        # "ACs" and "ST" abbreviate acrochordons and skin tag; "fibroma molle" is the soft fibroma's Latin
        # name (GUIDELINES.md, twenty-fourth set, decision 1)
        ("ACs x 6 right axilla, snipped.", "ACs", "skin_tag", "benign"),
        ("One ST of the left neck, clipped with scissors.", "ST", "skin_tag", "benign"),
        ("Path: fibroma molle, no atypia.", "fibroma molle", "skin_tag", "benign"),
        # a short word's misspelling listed by hand (targets/typos.json misspellings)
        ("Skin tgas of the groin were snipped.", "Skin tgas", "skin_tag", "benign"),
        # ALL-CAPS notes write the plural abbreviations in capitals too
        ("CRYOTHERAPY OF 5 AKS OF THE SCALP.", "AKS", "actinic_keratosis", "benign"),
        ("3 SKS OF THE BACK WERE FROZEN.", "SKS", "seborrheic_keratosis", "benign"),
    ],
)
def test_diagnosis_spans(pipeline, snippet: str, span: str, kind: str, behaviour: str) -> None:
    found = dict(find(pipeline, snippet, "LESION_DIAGNOSIS"))
    assert span in found, found
    assert (found[span]["kind"], found[span]["behaviour"]) == (kind, behaviour)


@pytest.mark.parametrize(
    "snippet",
    ["The lesion measured 5 mm.", "Margins 2 mm.", "A mass was palpated.", "Closed with 5-0 nylon."],
)
def test_no_diagnosis_in_generic_words(pipeline, snippet: str) -> None:
    assert find(pipeline, snippet, "LESION_DIAGNOSIS") == []


@pytest.mark.parametrize(
    ("snippet", "span", "covers"),
    [
        # a word for a whole area names the regions inside it; a part of the face names none
        ("Rough spots on her face.", "face", "cheek"),
        ("Molluscum on the trunk.", "trunk", "axilla"),
        ("Perioral papules.", "Perioral", None),
        ("AK of the left cheek.", "left cheek", None),
    ],
)
def test_area_words_cover_their_regions(pipeline, snippet: str, span: str, covers: str | None) -> None:
    value = dict(find(pipeline, snippet, "ANATOMIC_SITE"))[span]
    assert (covers in value.get("covers", [])) if covers else "covers" not in value


@pytest.mark.parametrize(
    ("snippet", "span", "closure_class"),
    [
        ("The wound was closed in layers.", "closed in layers", "intermediate"),
        ("A layered closure was performed.", "layered closure", "intermediate"),
        ("Intermediate repair, 2.5 cm.", "Intermediate repair", "intermediate"),
        ("Complex repair of the defect.", "Complex repair", "complex"),
        ("Simple closure with 5-0 nylon.", "Simple closure", "simple"),
        ("It was closed with 4-0 Monocryl deep dermal sutures and 5-0 nylon.", "deep dermal sutures", "intermediate"),
        ("Closed with 6-0 nylon simple interrupted sutures.", "simple interrupted sutures", "simple"),
        # layer words without the noun "sutures" still name the layer (GUIDELINES, seventeenth set, decision 2)
        ("Repair: deep dermal 5-0 Vicryl, then 6-0 Prolene running.", "deep dermal", "intermediate"),
        ("Closed with 5-0 Prolene simple interrupted.", "simple interrupted", "simple"),
        ("The defect was repaired with a bilobed flap.", "bilobed flap", "adjacent_tissue_transfer"),
        # the rhombic (Limberg, Dufourmentel) transposition flap by each of its names
        ("A rhombic flap was raised from the lax skin of the jowl.", "rhombic flap", "adjacent_tissue_transfer"),
        ("The defect was closed with a Limberg flap.", "Limberg flap", "adjacent_tissue_transfer"),
        ("Repaired with a Dufourmentel flap.", "Dufourmentel flap", "adjacent_tissue_transfer"),
        ("A bilobe flap was designed from the nasal sidewall.", "bilobe flap", "adjacent_tissue_transfer"),
        ("The wound was closed with a hatchet flap.", "hatchet flap", "adjacent_tissue_transfer"),
        # "thickness" is a typo-forgiving word: a misspelt graft name keeps its thickness
        ("Repaired with a full thicknes skin graft.", "full thicknes skin graft", "graft"),
        ("Repaired with a split thickess skin graft.", "split thickess skin graft", "graft"),
    ],
)
def test_closure_spans(pipeline, snippet: str, span: str, closure_class: str) -> None:
    found = dict(find(pipeline, snippet, "CLOSURE_TYPE"))
    assert span in found, found
    assert found[span]["closure_class"] == closure_class


def test_suture_phrase_dropped_next_to_named_closure(pipeline) -> None:
    text = "Layered closure was performed with 4-0 Vicryl deep dermal sutures and 5-0 nylon simple interrupted sutures."
    assert [s for s, _ in find(pipeline, text, "CLOSURE_TYPE")] == ["Layered closure"]


def test_simple_sutures_dropped_next_to_deep_layer(pipeline) -> None:
    text = "Closed with 4-0 Vicryl buried sutures and 5-0 nylon simple interrupted sutures."
    assert [s for s, _ in find(pipeline, text, "CLOSURE_TYPE")] == ["buried sutures"]


def test_simple_suture_words_in_a_closure_field_yield_to_the_deep_layer(pipeline) -> None:
    # "simple" in a "Closure:" field is the repair class only when it is not the suture pattern
    text = "Closure: deep dermal 5-0 Vicryl, then 6-0 Prolene simple interrupted; length 3.0 cm."
    assert [s for s, _ in find(pipeline, text, "CLOSURE_TYPE")] == ["deep dermal"]


def test_dermal_only_detail(pipeline) -> None:
    (_, value), = find(pipeline, "Closed with deep dermal sutures.", "CLOSURE_TYPE")
    assert value["detail"] == ["dermal_only"]


def test_offsets_index_original_text(pipeline) -> None:
    text = "PREOPERATIVE DIAGNOSIS: , Lipoma.,POSTOPERATIVE DIAGNOSIS:,  Lipoma of the left forearm, 2.5cm."
    doc = pipeline(text)
    assert doc.text == text
    for ent in doc.ents:
        assert text[ent.start_char : ent.end_char] == ent.text


def test_misspellings_are_one_edit_from_a_listed_word() -> None:
    from nlp.pipeline.lexicons import TypoLexicon

    typos = TypoLexicon(version="1", words=["excision", "excised", "biopsy", "nevus", "keratosis", "keratoses"], not_typos=["excisions"])
    corrections = typos.corrections()
    assert corrections["excison"] == "excision" and corrections["biospy"] == "biopsy"
    assert "keratoses" not in corrections and "keratosis" not in corrections  # listed words stay themselves
    assert "excisions" not in corrections  # listed as a real word
    assert "nevis" not in corrections  # shorter than min_length
    assert "axcision" not in corrections  # the first two letters must stay
    # a short word's misspellings are listed one by one
    assert TypoLexicon(version="1", words=["excision"], misspellings={"Nek": "neck"}).corrections()["nek"] == "neck"


@pytest.mark.parametrize(
    "snippet",
    [
        # real words one edit from a listed word are no misspelling of it (targets/typos.json not_typos)
        "Dictated with voice software, please excuse errors.",
        "The patient was excited to have the mole checked.",
        "Medical student note reviewed.",
    ],
)
def test_real_words_near_a_listed_word_are_not_its_misspellings(pipeline, snippet: str) -> None:
    assert find(pipeline, snippet, "PROCEDURE") == [] and find(pipeline, snippet, "ANATOMIC_SITE") == []


# Words split by OCR (splits.py): in a note with two or more joins, a lexicon word split into two
# or three fragments is matched, the span being the split text as written (GUIDELINES, nineteenth
# set, 7); a common or lexicon word is never a fragment, and a single split in a note is left alone.
@pytest.mark.parametrize(
    ("snippet", "label", "span", "found"),
    [
        ("Scanned form. Dx: ac rochordons. Site: ne ck x3.", "LESION_DIAGNOSIS", "ac rochordons", True),
        ("Scanned form. Dx: ac rochordons. Site: ne ck x3.", "ANATOMIC_SITE", "ne ck", True),
        # "ax" is itself an axilla word ("R ax"), so "ax illa" is not a split: the site is "ax"
        ("Scanned form. Dx: ac rochordons. Site: ax illa x3; ne ck x2.", "ANATOMIC_SITE", "ax", True),
        ("Faxed sheet: seb orrheic ker atosis of the n eck, frozen.", "LESION_DIAGNOSIS", "seb orrheic ker atosis", True),
        ("Faxed sheet: seb orrheic ker atosis of the n eck, frozen.", "ANATOMIC_SITE", "n eck", True),
        # three fragments make one word
        ("Dx: derm atofi broma of the sh oulder.", "LESION_DIAGNOSIS", "derm atofi broma", True),
        # a joined misspelling listed by hand in typos.json ("nek"); "a" is never a fragment
        ("OCR: ac rochordons of the n ek.", "ANATOMIC_SITE", "n ek", True),
        ("OCR: ac rochordons, a xilla and n ek.", "ANATOMIC_SITE", "a xilla", False),
        # guards: "in" and "a" are common words, never fragments
        ("SK in the ax illa; ac rochordons of the n eck.", "ANATOMIC_SITE", "SK in", False),
        ("SK in the ax illa; ac rochordons of the n eck.", "LESION_DIAGNOSIS", "SK", True),
        ("a cne and a scar; ac rochordons of the n eck.", "LESION_DIAGNOSIS", "a cne", False),
        # "fore arm": "arm" is a lexicon word, so no join; the site is "arm"
        ("fore arm; ac rochordons of the n eck.", "ANATOMIC_SITE", "fore arm", False),
        # one split only: the note is not read as OCR-damaged
        ("Ac rochordons of the neck were snipped.", "LESION_DIAGNOSIS", "Ac rochordons", False),
    ],
)
def test_words_split_by_ocr(pipeline, snippet: str, label: str, span: str, found: bool) -> None:
    assert (span in [text for text, _ in find(pipeline, snippet, label)]) is found


def test_split_joins_keep_clean_notes_alone(pipeline) -> None:
    from nlp.pipeline.splits import SplitJoiner

    doc = pipeline.make_doc("Skin tags of the neck and axilla were snipped in clinic.")
    joiner = next(c for _, c in pipeline.pipeline if hasattr(c, "splits")).splits
    assert isinstance(joiner, SplitJoiner)
    assert joiner.joins(doc, [t.lower for t in doc]) == []


@pytest.mark.parametrize("text", ["seborhheic keratoses of the back", "Seborrheic keratosis, back", "verruca seborrheica on the back"])
def test_lexicon_typo_terms_and_corrected_words_both_match(pipeline, text: str) -> None:
    assert [e.label_ for e in pipeline(text).ents if e.label_ == "LESION_DIAGNOSIS"] == ["LESION_DIAGNOSIS"]


def test_ascii_word_finder_matches_the_case_blind_pattern() -> None:
    """Lower-cased ASCII text: the finder agrees with the case-blind alternation it replaces."""
    import random
    import re

    from nlp.pipeline.targets import ascii_word_finder

    words = ["placed", "lying", "positioned", "prone", "draped"]
    case_blind = re.compile(r"\b(?:" + "|".join(words) + r")\b", re.IGNORECASE)
    finder = ascii_word_finder(words)
    rng = random.Random(7)
    pieces = words + [w.upper() for w in words] + [w.capitalize() for w in words] + ["x", " ", ".", "_", "1", "ed", "un", "-"]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 8)))
        assert (finder.search(text.lower()) is not None) == bool(case_blind.search(text)), text
    assert ascii_word_finder(["café"]) is None


@pytest.mark.parametrize(("covers", "ok"), [(["cheek"], True), (["cheeks"], False), (["face"], False)])
def test_covers_must_name_other_known_regions(covers: list[str], ok: bool) -> None:
    from pydantic import ValidationError

    from nlp.pipeline.lexicons import SiteLexicon

    lexicon = {
        "version": "1",
        "regions": ["face", "cheek"],
        "modifiers": {"laterality": {"left": "left"}, "position": []},
        "filters": {"position_verbs": [], "non_site_followers": []},
        "sites": [{"id": "site.face", "region": "face", "terms": ["face"], "covers": covers}],
    }
    if ok:
        SiteLexicon.model_validate(lexicon)
    else:
        with pytest.raises(ValidationError, match="covers"):
            SiteLexicon.model_validate(lexicon)


@pytest.mark.parametrize(
    "text",
    [
        "Excisional biopsy, left axillary lymph node.",
        "Skin bridges on the penile shaft were excised.",
        "A 5 mm nevus on the left cheek was excised; the lymph was not involved.",
        "Shave biopsy of the right forearm. Node palpable? No.",
    ],
)
def test_non_skin_prefilter_agrees_with_the_phrase_search(pipeline, text: str) -> None:
    """The whole-note test that skips dropping non-skin mentions finds a phrase exactly when the
    windowed search would find one somewhere in the note."""
    targets = pipeline.get_pipe("opnote_targets")
    doc = pipeline.make_doc(text)
    lower = [token.lower for token in doc]
    assert targets._has_non_skin_phrase(lower) == bool(targets._non_skin_phrases(lower, 0, len(lower), []))


# -- a place or service named after Mohs is no Mohs procedure (kind "other"); Mohs itself still is --
@pytest.mark.parametrize(
    ("snippet", "kinds"),
    [
        ("MOHS AND DERMATOLOGIC SURGERY UNIT - MINOR PROCEDURE", ["other"]),
        ("Seen in the Mohs clinic today.", ["other"]),
        ("Department of Mohs Surgery, procedure note.", ["other"]),
        ("Mohs surgery center: operative note.", ["other"]),
        ("Mohs micrographic surgery of the left nasal ala.", ["mohs"]),
    ],
)
def test_a_mohs_service_name_is_no_mohs_procedure(pipeline, snippet: str, kinds: list[str]) -> None:
    assert [value.get("kind") for _, value in find(pipeline, snippet, "PROCEDURE")] == kinds
