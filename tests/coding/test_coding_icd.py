"""ICD-10-CM lines (coding-rules.md 5.1-5.7): histology x site x laterality x eyelid part."""

from __future__ import annotations

import itertools

import pytest

from nlp.coding import load_tables, suggest_codes


def icd(result) -> list[str]:
    return [c.code for c in result.codes if c.system == "ICD-10-CM"]


def flags(result) -> set[str]:
    return {q.flag for q in result.queries}


def code_for(make, kind: str, region: str | None, laterality: str | None = None, part: str | None = None) -> list[str]:
    return icd(suggest_codes([make(region=region, laterality=laterality, eyelid_part=part, dx=kind)]))


SITE_TABLE = [
    # melanocytic nevus D22 (side digit: 1 right, 2 left, 0 unspecified)
    ("melanocytic_nevus", "lip", None, None, "D22.0"),
    ("melanocytic_nevus", "eyelid", "right", "upper", "D22.111"),
    ("melanocytic_nevus", "eyelid", "right", "lower", "D22.112"),
    ("melanocytic_nevus", "eyelid", "left", "upper", "D22.121"),
    ("melanocytic_nevus", "eyelid", "left", "lower", "D22.122"),
    ("melanocytic_nevus", "ear", "right", None, "D22.21"),
    ("melanocytic_nevus", "ear", "left", None, "D22.22"),
    ("melanocytic_nevus", "nose", None, None, "D22.39"),
    ("melanocytic_nevus", "forehead", "left", None, "D22.39"),
    ("melanocytic_nevus", "face", None, None, "D22.30"),
    ("melanocytic_nevus", "scalp", None, None, "D22.4"),
    ("melanocytic_nevus", "neck", "left", None, "D22.4"),
    ("melanocytic_nevus", "back", None, None, "D22.5"),
    ("melanocytic_nevus", "breast", "left", None, "D22.5"),
    ("melanocytic_nevus", "perianal", None, None, "D22.5"),
    ("melanocytic_nevus", "arm", "right", None, "D22.61"),
    ("melanocytic_nevus", "hand", "left", None, "D22.62"),
    ("melanocytic_nevus", "shoulder", "right", None, "D22.61"),
    ("melanocytic_nevus", "thigh", "right", None, "D22.71"),
    ("melanocytic_nevus", "foot", "left", None, "D22.72"),
    ("melanocytic_nevus", "hip", "right", None, "D22.71"),
    ("dysplastic_nevus", "forearm", "right", None, "D22.61"),
    # other benign neoplasm D23
    ("dermatofibroma", "cheek", "right", None, "D23.39"),
    ("dermatofibroma", "arm", "left", None, "D23.62"),
    ("benign_adnexal_neoplasm", "eyelid", "left", "lower", "D23.122"),
    # melanoma in situ D03 (trunk split: anal .51, breast .52, other .59)
    ("melanoma_in_situ", "back", "left", None, "D03.59"),
    ("melanoma_in_situ", "breast", "right", None, "D03.52"),
    ("melanoma_in_situ", "perianal", None, None, "D03.51"),
    ("melanoma_in_situ", "nose", None, None, "D03.39"),
    ("melanoma_in_situ", "eyelid", "right", "upper", "D03.111"),
    # carcinoma in situ D04 (one trunk code)
    ("scc_in_situ", "back", None, None, "D04.5"),
    ("scc_in_situ", "breast", None, None, "D04.5"),
    ("scc_in_situ", "forearm", "left", None, "D04.62"),
    # melanoma C43 (nose has its own code)
    ("melanoma", "nose", None, None, "C43.31"),
    ("melanoma", "cheek", None, None, "C43.39"),
    ("melanoma", "breast", None, None, "C43.52"),
    ("melanoma", "leg", "left", None, "C43.72"),
    ("melanoma", "eyelid", "left", "upper", "C43.121"),
    # BCC C44.x1x (side digit: 2 right, 9 left, 1 unspecified)
    ("bcc", "lip", None, None, "C44.01"),
    ("bcc", "nose", None, None, "C44.311"),
    ("bcc", "cheek", "left", None, "C44.319"),
    ("bcc", "face", None, None, "C44.310"),
    ("bcc", "scalp", None, None, "C44.41"),
    ("bcc", "back", None, None, "C44.519"),
    ("bcc", "breast", None, None, "C44.511"),
    ("bcc", "perianal", None, None, "C44.510"),
    ("bcc", "arm", "right", None, "C44.612"),
    ("bcc", "arm", "left", None, "C44.619"),
    ("bcc", "ear", "right", None, "C44.212"),
    ("bcc", "eyelid", "left", "lower", "C44.1192"),  # 7 characters
    ("bcc", "eyelid", "right", "upper", "C44.1121"),
    # SCC C44.x2x
    ("scc", "forearm", "left", None, "C44.629"),
    ("scc", "leg", "right", None, "C44.722"),
    ("scc", "nose", None, None, "C44.321"),
    ("scc", "ear", "left", None, "C44.229"),
    ("scc", "eyelid", "left", "upper", "C44.1291"),
    ("scc", "lip", None, None, "C44.02"),
    # Merkel cell C4A (flagged unverified outside the eyelid rows)
    ("merkel_cell_carcinoma", "nose", None, None, "C4A.31"),
    ("merkel_cell_carcinoma", "eyelid", "right", "lower", "C4A.112"),
]


@pytest.mark.parametrize("kind, region, laterality, part, code", SITE_TABLE)
def test_site_table_rows(make, kind, region, laterality, part, code) -> None:
    assert code_for(make, kind, region, laterality, part) == [code]


def test_c44_and_d22_use_different_laterality_digits(make) -> None:
    assert code_for(make, "scc", "forearm", "left") == ["C44.629"]  # C44: 9 = left
    assert code_for(make, "melanocytic_nevus", "forearm", "left") == ["D22.62"]  # D22: 2 = left
    assert code_for(make, "scc", "forearm", "right") == ["C44.622"]  # C44: 2 = right
    assert code_for(make, "melanocytic_nevus", "forearm", "right") == ["D22.61"]  # D22: 1 = right


@pytest.mark.parametrize(
    "kind, region, laterality, code",
    [
        ("melanocytic_nevus", "arm", None, "D22.60"),
        ("scc", "arm", None, "C44.621"),
        ("bcc", "ear", None, "C44.211"),
        ("melanoma", "thigh", None, "C43.70"),
        ("lipoma", "leg", None, "D17.20"),
        ("melanocytic_nevus", "arm", "bilateral", "D22.60"),
        ("bcc", "ear", "midline", "C44.211"),
    ],
)
def test_missing_laterality_uses_the_unspecified_side_leaf_and_queries(make, kind, region, laterality, code) -> None:
    result = suggest_codes([make(region=region, laterality=laterality, dx=kind)])
    assert icd(result) == [code]
    query = next(q for q in result.queries if q.flag == "LATERALITY_MISSING")
    assert code in query.message
    assert ("not documented" if laterality is None else laterality) in query.message
    line = next(c for c in result.codes if c.code == code)
    assert "LATERALITY_MISSING" in line.flags and line.confidence == pytest.approx(0.85)


@pytest.mark.parametrize("kind, region", [("bcc", "nose"), ("melanocytic_nevus", "back"), ("scc", "scalp"), ("epidermoid_cyst", "arm")])
def test_laterality_is_only_queried_where_it_changes_the_code(make, kind, region) -> None:
    assert "LATERALITY_MISSING" not in flags(suggest_codes([make(region=region, dx=kind)]))


def test_eyelid_without_upper_lower_falls_back_to_the_unspecified_eyelid_leaf(make) -> None:
    result = suggest_codes([make(region="eyelid", laterality="right", dx="melanocytic_nevus")])
    assert icd(result) == ["D22.10"]  # never the header D22.11
    assert "EYELID_PART_MISSING" in flags(result) and "LATERALITY_MISSING" not in flags(result)
    result = suggest_codes([make(region="eyelid", laterality="left", dx="bcc")])
    assert icd(result) == ["C44.111"]  # never the header C44.119


def test_eyelid_without_side_or_part_asks_both(make) -> None:
    result = suggest_codes([make(region="eyelid", dx="bcc")])
    assert icd(result) == ["C44.111"]
    assert {"LATERALITY_MISSING", "EYELID_PART_MISSING"} <= flags(result)


def test_no_header_code_is_ever_emitted(make) -> None:
    tables = load_tables()
    headers = set(tables.icd.known_headers)
    seen: set[str] = set()
    kinds = sorted(tables.kinds)
    regions = sorted(tables.regions) + [None]
    for kind, region, side, part in itertools.product(kinds, regions, [None, "left", "right", "bilateral"], [None, "upper", "lower"]):
        seen.update(icd(suggest_codes([make(region=region, laterality=side, eyelid_part=part, dx=kind)])))
    assert seen and not seen & headers
    for code in seen:
        assert not any(other != code and other.startswith(code) for other in seen), code


FIXED = [
    ("epidermoid_cyst", "L72.0"),
    ("pilar_cyst", "L72.11"),
    ("sebaceous_cyst", "L72.3"),
    ("cyst", "L72.9"),
    ("seborrheic_keratosis", "L82.1"),
    ("irritated_seborrheic_keratosis", "L82.0"),
    ("pyogenic_granuloma", "L98.0"),
    ("hemangioma", "D18.01"),
    ("skin_tag", "L91.8"),
    ("actinic_keratosis", "L57.0"),
    ("keratoacanthoma", "L85.8"),
    ("uncertain_behaviour_neoplasm", "D48.5"),
    ("neoplasm_unspecified", "D49.2"),
    ("skin_lesion_nos", "L98.9"),
    ("wart", "B07.9"),
    ("lentigo", "L81.4"),
    ("scar", "L90.5"),
]


@pytest.mark.parametrize("kind, code", FIXED)
@pytest.mark.parametrize("region, laterality", [("back", None), ("ear", None), ("arm", "left")])
def test_diagnoses_without_a_site_axis(make, kind: str, code: str, region: str, laterality) -> None:
    result = suggest_codes([make(region=region, laterality=laterality, dx=kind)])
    assert icd(result) == [code]
    assert "LATERALITY_MISSING" not in flags(result)


@pytest.mark.parametrize("kind", ["wart", "keratoacanthoma"])
def test_unverified_codes_are_flagged(make, kind: str) -> None:
    result = suggest_codes([make(region="back", dx=kind)])
    line = next(c for c in result.codes if c.system == "ICD-10-CM")
    assert "UNVERIFIED_CODE" in line.flags and line.confidence < 0.95


def test_keratoacanthoma_is_queried_for_scc_wording(make) -> None:
    result = suggest_codes([make(region="back", dx="keratoacanthoma")])
    assert "KERATOACANTHOMA" in flags(result)


@pytest.mark.parametrize(
    "region, laterality, code",
    [
        ("cheek", None, "D17.0"),
        ("neck", None, "D17.0"),
        ("scalp", None, "D17.0"),
        ("back", None, "D17.1"),
        ("breast", None, "D17.1"),
        ("arm", "right", "D17.21"),
        ("forearm", "left", "D17.22"),
        ("shoulder", "right", "D17.21"),
        ("thigh", "right", "D17.23"),
        ("leg", "left", "D17.24"),
        ("hip", "left", "D17.24"),
        ("hand", None, "D17.20"),
        (None, None, "D17.30"),
    ],
)
def test_lipoma_by_site_and_limb_laterality(make, region, laterality, code) -> None:
    assert icd(suggest_codes([make(region=region, laterality=laterality, dx="lipoma", source="preoperative")])) == [code]


def test_missing_site_uses_the_site_unspecified_leaf(make) -> None:
    result = suggest_codes([make(region=None, dx="melanocytic_nevus")])
    assert icd(result) == ["D22.9"]
    assert "SITE_MISSING" in flags(result)
    assert icd(suggest_codes([make(region=None, dx="bcc")])) == ["C44.91"]


def test_genital_skin_is_not_coded_from_the_skin_table(make) -> None:
    result = suggest_codes([make(region="genitalia", dx="bcc", size="0.6", margin="0.2")])
    assert icd(result) == []
    assert "GENITAL_SITE" in flags(result)
    assert [c.code for c in result.codes] == ["11621"]  # the excision still codes


def test_genital_site_keeps_fixed_codes_with_a_flag(make) -> None:
    result = suggest_codes([make(region="genitalia", dx="epidermoid_cyst")])
    assert icd(result) == ["L72.0"]
    assert "GENITAL_SITE" in next(c for c in result.codes if c.code == "L72.0").flags


# The genital-skin caution (reference 5.2) is about the neoplasm codes of the skin table; a scrotal
# skin tag is L91.8 like any other (GUIDELINES twelfth set, decision 2), so it raises no query.
@pytest.mark.parametrize(
    "kind, procedure, codes, queried",
    [
        ("bcc", "excision", [], True),
        ("melanocytic_nevus", "shave", [], True),
        ("epidermoid_cyst", "excision", ["L72.0"], True),
        ("skin_tag", "skin_tag_removal", ["L91.8"], False),
    ],
)
def test_genital_site_caution_is_for_the_codes_it_concerns(make, kind: str, procedure: str, codes: list[str], queried: bool) -> None:
    result = suggest_codes([make(region="genitalia", dx=kind, procedure=procedure, size="0.4", margin=None)])
    assert icd(result) == codes
    assert ("GENITAL_SITE" in flags(result)) is queried


def test_mucosa_is_not_coded_with_skin_codes(make) -> None:
    result = suggest_codes([make(region="mucosa", dx="pyogenic_granuloma")])
    assert icd(result) == []
    assert "MUCOSA_SITE" in flags(result)


def test_unconfirmed_diagnosis_is_not_coded_the_sign_code_stands_in(make) -> None:
    result = suggest_codes([make(region="back", dx="melanoma", source="preoperative", certain=False, pending=True)])
    assert icd(result) == ["L98.9"]
    result = suggest_codes([make(region="back", dx="uncertain_behaviour_neoplasm", source="preoperative", pending=True)])
    assert icd(result) == ["L98.9"]  # pending pathology is not D48.5


def test_each_excision_line_points_to_its_own_lesions_diagnosis(make) -> None:
    result = suggest_codes([make(1, region="nose", dx="bcc", size="0.6", margin="0.2"), make(2, region="back", dx="melanocytic_nevus")])
    by_code = {c.code: c for c in result.codes}
    assert by_code["11641"].diagnoses == ["C44.311"]
    assert by_code["11400"].diagnoses == ["D22.5"]
    assert by_code["C44.311"].lesions == [1] and by_code["D22.5"].lesions == [2]


def test_one_icd_line_for_lesions_with_the_same_code(make) -> None:
    result = suggest_codes([make(1, region="nose"), make(2, region="cheek", size="1.0")])
    line = next(c for c in result.codes if c.code == "D22.39")
    assert line.lesions == [1, 2] and line.lesion == 1 and line.units == 1
