"""Excision lines 11400-11446 / 11600-11646: site group x excised-diameter bucket x family."""

from __future__ import annotations

from decimal import Decimal

import pytest

from nlp.coding import suggest_codes


def cpt(result, status: str = "suggested") -> list[str]:
    return [c.code for c in result.codes if c.system == "CPT" and c.status == status]


def flags(result) -> set[str]:
    return {q.flag for q in result.queries}


def line(result, code: str):
    return next(c for c in result.codes if c.code == code)


BOUNDARIES_CM = [
    # excised diameter, last digit, boundary query expected
    ("0.1", "0", False),
    ("0.5", "0", False),
    ("0.55", "1", True),
    ("0.6", "1", False),
    ("1.0", "1", False),
    ("1.1", "2", False),
    ("2.0", "2", False),
    ("2.1", "3", False),
    ("3.0", "3", False),
    ("3.1", "4", False),
    ("4.0", "4", False),
    ("4.01", "6", True),
    ("4.1", "6", False),
    ("9.0", "6", False),
]


@pytest.mark.parametrize("diameter, digit, boundary", BOUNDARIES_CM)
def test_bucket_boundaries_from_a_stated_excised_diameter(make, diameter: str, digit: str, boundary: bool) -> None:
    result = suggest_codes([make(region="back", dx="seborrheic_keratosis", size=None, margin=None, excised=diameter)])
    assert cpt(result) == ["1140" + digit]
    assert ("BOUNDARY_ROUNDING" in flags(result)) is boundary


@pytest.mark.parametrize("diameter, digit, boundary", BOUNDARIES_CM)
def test_bucket_boundaries_from_lesion_size_without_margin_in_cm(make, diameter: str, digit: str, boundary: bool) -> None:
    result = suggest_codes([make(region="scalp", dx="bcc", size=diameter, margin="0")])
    assert cpt(result) == ["1162" + digit]
    assert ("BOUNDARY_ROUNDING" in flags(result)) is boundary


@pytest.mark.parametrize(
    "size, margin, diameter, digit, boundary",
    [
        ("3 mm", "1 mm", "0.5", "0", False),
        ("3.5 mm", "1 mm", "0.55", "1", True),
        ("4 mm", "1 mm", "0.6", "1", False),
        ("6 mm", "2 mm", "1.0", "1", False),
        ("7 mm", "2 mm", "1.1", "2", False),
        ("16 mm", "2 mm", "2.0", "2", False),
        ("17 mm", "2 mm", "2.1", "3", False),
        ("24 mm", "3 mm", "3.0", "3", False),  # the float trap: 3.0000000000000004 would be x4
        ("25 mm", "3 mm", "3.1", "4", False),
        ("34 mm", "3 mm", "4.0", "4", False),
        ("34.1 mm", "3 mm", "4.01", "6", True),
        ("35 mm", "3 mm", "4.1", "6", False),
    ],
)
def test_bucket_boundaries_from_millimetre_measurements(make, size, margin, diameter, digit, boundary) -> None:
    result = suggest_codes([make(region="cheek", dx="melanocytic_nevus", size=size, margin=margin)])
    assert cpt(result) == ["1144" + digit]
    assert result.lesions[0].excised_diameter_cm == Decimal(diameter)
    assert ("BOUNDARY_ROUNDING" in flags(result)) is boundary


GROUPS = {
    "face": ("1144", "1164", ["forehead", "temple", "brow", "glabella", "cheek", "chin", "jaw", "face", "nose", "ear", "eyelid", "lip"]),
    "scalp_neck_hands_feet_genitalia": ("1142", "1162", ["scalp", "neck", "hand", "finger", "foot", "toe", "genitalia"]),
    "trunk_arms_legs": (
        "1140",
        "1160",
        ["chest", "breast", "back", "abdomen", "flank", "buttock", "trunk", "shoulder", "axilla", "groin", "perianal", "hip",
         "arm", "elbow", "forearm", "wrist", "thigh", "knee", "leg", "ankle"],
    ),
}
REGION_ROWS = [(region, group, benign, malignant) for group, (benign, malignant, regions) in GROUPS.items() for region in regions]


@pytest.mark.parametrize("region, group, benign, malignant", REGION_ROWS)
def test_every_region_maps_to_its_excision_group_for_both_families(make, region, group, benign, malignant) -> None:
    benign_result = suggest_codes([make(region=region, laterality="left", eyelid_part="upper", dx="dermatofibroma", size="1.1", margin="0.2")])
    malignant_result = suggest_codes([make(region=region, laterality="left", eyelid_part="upper", dx="bcc", size="1.1", margin="0.2")])
    assert cpt(benign_result) == [benign + "2"]
    assert cpt(malignant_result) == [malignant + "2"]
    assert benign_result.lesions[0].site_group == group
    assert line(benign_result, benign + "2").rule == f"exc.benign.{group}"
    assert line(malignant_result, malignant + "2").rule == f"exc.malignant.{group}"


@pytest.mark.parametrize("region", ["axilla", "groin", "perianal"])
def test_unverified_site_groups_are_flagged_for_review(make, region: str) -> None:
    result = suggest_codes([make(region=region, dx="epidermoid_cyst", size="1.0", margin="0")])
    assert "UNVERIFIED_MAPPING" in line(result, "11401").flags
    assert line(result, "11401").confidence < 0.95


def test_verified_site_groups_carry_no_review_flag(make) -> None:
    result = suggest_codes([make(region="back", dx="epidermoid_cyst", size="1.0", margin="0")])
    assert line(result, "11401").flags == []


def test_benign_mucous_membrane_lesion_uses_the_face_family(make) -> None:
    result = suggest_codes([make(region="mucosa", dx="melanocytic_nevus", size="0.3", margin="0.1")])
    assert cpt(result) == ["11440"]
    assert line(result, "11440").rule == "exc.benign.mucous_membrane"
    assert result.lesions[0].site_group == "mucous_membrane"


def test_malignant_mucous_membrane_lesion_gets_no_excision_code_but_a_query(make) -> None:
    result = suggest_codes([make(region="mucosa", dx="scc", size="1.0", margin="0.4")])
    assert cpt(result) == []
    query = next(q for q in result.queries if q.flag == "MALIGNANT_MUCOSA")
    assert query.rule == "query.malignant_mucosa" and query.lesion == 1
    assert "site-specific" in query.message


# --- how the excised diameter is reached -------------------------------------------------------


def test_stated_excised_diameter_wins_over_lesion_plus_margin(make) -> None:
    result = suggest_codes([make(region="back", dx="epidermoid_cyst", size="0.3", margin="0.1", excised="1.4")])
    assert cpt(result) == ["11402"]
    assert result.lesions[0].excised_diameter_formula == "documented excised diameter 1.4 cm"


def test_missing_margin_codes_lesion_size_alone_and_queries(make) -> None:
    result = suggest_codes([make(region="back", dx="epidermoid_cyst", size="1.2", margin=None)])
    assert cpt(result) == ["11402"]
    assert "MARGIN_MISSING" in flags(result)
    assert line(result, "11402").confidence == pytest.approx(0.80)
    assert "no margin documented" in line(result, "11402").rationale


def test_zero_margin_is_a_documented_margin(make) -> None:
    result = suggest_codes([make(region="scalp", dx="pilar_cyst", size="1.2", margin="0")])
    assert cpt(result) == ["11422"] and "MARGIN_MISSING" not in flags(result)


def test_specimen_size_only_gives_a_provisional_code_with_lower_confidence(make) -> None:
    result = suggest_codes([make(region="back", dx="epidermoid_cyst", size=None, margin=None, specimen="2.1")])
    excision = line(result, "11403")
    assert excision.status == "suggested"
    assert {"SIZE_FROM_PATHOLOGY", "PROVISIONAL"} <= set(excision.flags)
    assert excision.confidence == pytest.approx(0.70)
    assert "pathology specimen" in excision.rationale
    assert "SIZE_FROM_PATHOLOGY" in flags(result)


def test_no_size_at_all_gives_no_excision_code_but_a_query(make) -> None:
    result = suggest_codes([make(region="back", dx="epidermoid_cyst", size=None, margin=None)])
    assert cpt(result) == []
    assert "SIZE_MISSING" in flags(result)
    assert [c.code for c in result.codes] == ["L72.0"]  # the diagnosis is still coded


def test_no_site_gives_no_excision_code_but_a_query(make) -> None:
    result = suggest_codes([make(region=None)])
    assert cpt(result) == []
    assert "SITE_MISSING" in flags(result)


def test_unknown_region_is_treated_as_missing_and_queried(make) -> None:
    result = suggest_codes([make(region="elbow_pit")])
    assert cpt(result) == []
    assert any(q.flag == "SITE_UNMAPPED" and "elbow_pit" in q.message for q in result.queries)


# --- which procedures this version codes -----------------------------------------------------


@pytest.mark.parametrize("procedure", [None, "excision", "re_excision"])
def test_excision_and_re_excision_and_unstated_procedure_are_coded(make, procedure) -> None:
    assert cpt(suggest_codes([make(procedure=procedure)])) == ["11440"]


def test_re_excision_is_flagged_for_the_modifier_question(make) -> None:
    result = suggest_codes([make(procedure="re_excision")])
    assert "RE_EXCISION" in line(result, "11440").flags
    assert line(result, "11440").modifiers == []


@pytest.mark.parametrize("procedure", ["other", "adjacent_tissue_transfer", "flap", "graft"])
def test_procedures_without_a_family_emit_no_cpt_but_say_so(make, procedure: str) -> None:
    result = suggest_codes([make(procedure=procedure, closure="intermediate", repair="2.0")])
    assert cpt(result) == [] and cpt(result, "held") == []
    query = next(q for q in result.queries if q.flag == "PROCEDURE_NOT_CODED")
    assert procedure.replace("_", " ") in query.message
    assert [c.code for c in result.codes] == ["D22.39"]


def test_adjacent_tissue_transfer_includes_the_excision(make) -> None:
    result = suggest_codes([make(dx="bcc", closure="adjacent_tissue_transfer", area="6.0")])
    assert cpt(result) == ["14060"]
    assert "ATT_NOT_CODED" in flags(result)


def test_graft_of_unknown_thickness_keeps_the_excision_and_asks(make) -> None:
    result = suggest_codes([make(dx="bcc", size="0.6", margin="0.2", closure="graft", area="4.0")])
    assert cpt(result) == ["11641"]
    assert "FLAP_GRAFT_NOT_CODED" in flags(result)


@pytest.mark.parametrize("closure", ["simple", "secondary_intention", "adhesive_strips", "none", None])
def test_closures_without_a_repair_code(make, closure) -> None:
    assert cpt(suggest_codes([make(closure=closure, repair="2.0")])) == ["11440"]


def test_skin_tags_never_take_an_excision_code(make) -> None:
    result = suggest_codes([make(region="neck", dx="skin_tag", source="preoperative")])
    assert cpt(result) == ["11200"]
    assert [c.code for c in result.codes] == ["11200", "L91.8"]


def test_lipoma_excision_without_depth_asks_and_assumes_subcutaneous(make) -> None:
    result = suggest_codes([make(region="back", dx="lipoma", source="preoperative", size="3.0", margin="0")])
    assert cpt(result) == ["21931"]
    assert "LIPOMA_DEPTH" in line(result, "21931").flags


def test_eyelid_excision_asks_about_lid_margin_involvement(make) -> None:
    plain = suggest_codes([make(region="eyelid", laterality="left", eyelid_part="lower")])
    assert "EYELID_SITE_CHECK" in line(plain, "11440").flags
    margin = suggest_codes([make(region="eyelid", laterality="left", eyelid_part="lower", involves=("lid margin",))])
    query = next(q for q in margin.queries if q.flag == "EYELID_SITE_CHECK")
    assert "lid margin" in query.message and "67840" in query.message


@pytest.mark.parametrize("region, structure", [("lip", "vermilion"), ("ear", "cartilage"), ("lip", "mucosa")])
def test_special_structures_raise_a_site_specific_check(make, region: str, structure: str) -> None:
    result = suggest_codes([make(region=region, laterality="right", involves=(structure,))])
    assert any(q.flag == "SITE_SPECIFIC_CHECK" and structure in q.message for q in result.queries)


def test_lesion_count_becomes_units(make) -> None:
    result = suggest_codes([make(region="back", dx="seborrheic_keratosis", count=3)])
    assert line(result, "11400").units == 3
