"""The neighbouring procedure families (coding-rules.md sections 2.4, 3, 4.5-4.7, 1.8), as tables.

Each row is a lesion (or several) described in plain words and the CPT lines the rules layer
must suggest, with units written out as repeats ("17003 x2" -> two entries).
"""

from __future__ import annotations

import pytest

from nlp.coding import suggest_codes


def cpt(result, status: str = "suggested") -> list[str]:
    """CPT codes of ``status`` lines, units expanded, in sequence order."""
    return [c.code for c in result.codes if c.system == "CPT" and c.status == status for _ in range(c.units)]


def line(result, code: str):
    return next(c for c in result.codes if c.code == code)


# --- shave removal: lesion diameter only, margins never added (3.2) ---------------------------


@pytest.mark.parametrize(
    "region, size, margin, expected",
    [
        ("back", "0.5", None, "11300"),
        ("back", "0.6", "0.2", "11301"),  # margin ignored: 0.6 cm, not 1.0
        ("arm", "2.0", None, "11302"),
        ("leg", "2.1", None, "11303"),
        ("scalp", "0.4", None, "11305"),
        ("neck", "1.0", None, "11306"),
        ("hand", "1.5", None, "11307"),
        ("foot", "3 mm", None, "11305"),
        ("genitalia", "2.5", None, "11308"),
        ("nose", "0.5", None, "11310"),
        ("cheek", "0.8", "0.3", "11311"),
        ("ear", "1.2", None, "11312"),
        ("lip", "2.2", None, "11313"),
        ("mucosa", "0.3", None, "11310"),
    ],
)
def test_shave_removal_by_site_group_and_lesion_diameter(make, region, size, margin, expected) -> None:
    result = suggest_codes([make(procedure="shave", region=region, size=size, margin=margin, dx="seborrheic_keratosis")])
    assert cpt(result) == [expected]
    assert "margins not added" in line(result, expected).rationale


def test_shave_without_a_size_asks_for_it(make) -> None:
    result = suggest_codes([make(procedure="shave", size=None, margin=None)])
    assert cpt(result) == []
    assert any(q.rule == "query.procedure_size_missing" and "shave removal" in q.message for q in result.queries)


def test_two_shaves_of_the_same_bucket_are_units(make) -> None:
    result = suggest_codes([make(1, procedure="shave", region="back", size="0.4"), make(2, procedure="shave", region="chest", size="0.5")])
    assert [(c.code, c.units) for c in result.codes if c.system == "CPT"] == [("11300", 2)]


# --- biopsies: one base code per encounter, add-ons by technique (3.3) -------------------------


@pytest.mark.parametrize(
    "techniques, expected",
    [
        (["biopsy_tangential"], ["11102"]),
        (["biopsy_punch"], ["11104"]),
        (["biopsy_incisional"], ["11106"]),
        (["biopsy_tangential", "biopsy_tangential"], ["11102", "11103"]),
        (["biopsy_tangential", "biopsy_tangential", "biopsy_tangential"], ["11102", "11103", "11103"]),
        (["biopsy_punch", "biopsy_punch"], ["11104", "11105"]),
        (["biopsy_tangential", "biopsy_punch"], ["11104", "11103"]),  # base from the highest-valued technique
        (["biopsy_punch", "biopsy_incisional"], ["11106", "11105"]),
        (["biopsy_tangential", "biopsy_punch", "biopsy_incisional"], ["11106", "11105", "11103"]),
    ],
)
def test_biopsies_take_one_base_code_and_add_ons_of_their_own_technique(make, techniques, expected) -> None:
    lesions = [make(i, procedure=kind, region="back", dx="dysplastic_nevus") for i, kind in enumerate(techniques, start=1)]
    result = suggest_codes(lesions)
    assert cpt(result) == expected
    assert line(result, expected[0]).rule.startswith("biopsy.")


# --- biopsies of sites that are not skin: their own code, never a skin base (3.3, 3.6) ---------
# (biopsies as (technique, region, involves, subsite), suggested CPT, alternative CPT)
SITE_BIOPSIES = [
    pytest.param([("biopsy_tangential", "lip", ("vermilion",), None)], ["40490"], [], id="vermilion-shave-40490"),
    pytest.param([("biopsy_punch", "lip", ("mucosa",), None)], ["40808"], [], id="lip-mucosa-40808"),
    pytest.param([("biopsy_punch", "mucosa", (), "oral vestibule")], ["40808"], [], id="buccal-mucosa-40808"),
    pytest.param([("biopsy_incisional", "eyelid", ("lid margin",), None)], ["67810"], [], id="lid-margin-67810"),
    pytest.param([("biopsy_tangential", "eyelid", ("lid margin",), None)], ["67810"], [], id="lid-margin-any-technique"),
    # skin sites keep the skin biopsy codes
    pytest.param([("biopsy_tangential", "lip", (), None)], ["11102"], [], id="cutaneous-lip-stays-skin"),
    pytest.param([("biopsy_punch", "eyelid", (), None)], ["11104"], [], id="eyelid-skin-stays-skin"),
    pytest.param([("biopsy_punch", "eyelid", ("tarsus",), None)], ["11104"], [], id="tarsus-is-not-the-margin"),
    pytest.param([("biopsy_punch", "mucosa", (), None)], ["11104"], [], id="unplaced-mucosa-kept-with-query"),
    # the ear code is unverified: only an alternative beside the skin code
    pytest.param([("biopsy_tangential", "ear", (), "helix")], ["11102"], ["69100"], id="helix-69100-alternative"),
    pytest.param([("biopsy_tangential", "ear", (), "postauricular")], ["11102"], [], id="postauricular-no-69100"),
    # a site code is not a skin biopsy: the skin biopsies keep their own base and add-ons
    pytest.param([("biopsy_incisional", "lip", ("vermilion",), None), ("biopsy_punch", "back", (), None)], ["40490", "11104"], [], id="site-code-is-no-skin-base"),
    pytest.param(
        [("biopsy_tangential", "lip", ("vermilion",), None), ("biopsy_tangential", "lip", ("vermilion",), None), ("biopsy_punch", "arm", (), None), ("biopsy_tangential", "back", (), None)],
        ["40490", "40490", "11104", "11103"], [], id="two-vermilion-biopsies-are-units",
    ),
    pytest.param(
        [("biopsy_punch", "eyelid", ("lid margin",), None), ("biopsy_punch", "mucosa", (), "oral vestibule"), ("biopsy_punch", "lip", ("mucosa",), None)],
        ["67810", "40808", "40808"], [], id="only-site-biopsies-no-skin-line",
    ),
]


@pytest.mark.parametrize("biopsies, expected, alternative", SITE_BIOPSIES)
def test_biopsies_of_sites_that_are_not_skin_take_their_site_code(make, biopsies, expected, alternative) -> None:
    lesions = [
        make(i, procedure=kind, region=region, involves=involves, subsite=subsite, dx=None, size=None, margin=None)
        for i, (kind, region, involves, subsite) in enumerate(biopsies, start=1)
    ]
    result = suggest_codes(lesions)
    assert sorted(cpt(result)) == sorted(expected)
    assert cpt(result, "alternative") == alternative


def test_a_site_biopsy_line_names_its_rule_the_site_and_its_evidence(make) -> None:
    result = suggest_codes([make(procedure="biopsy_tangential", region="lip", involves=("vermilion",), dx=None, size=None, margin=None)])
    site_line = line(result, "40490")
    assert site_line.rule == "biopsy.site.lip_vermilion"
    assert site_line.rationale.startswith("biopsy.site.lip_vermilion: tangential (shave) biopsy of the lip vermilion")
    assert "never the base of a skin add-on" in site_line.rationale
    assert {e.fact for e in site_line.evidence} >= {"site", "procedure"}


@pytest.mark.parametrize(
    "region, involves, subsite, icd_query",
    [("lip", ("vermilion",), None, "query.vermilion_icd"), ("lip", ("mucosa",), None, "query.mucosa_icd"), ("mucosa", (), "oral vestibule", "query.mucosa_icd")],
)
def test_a_vermilion_or_vestibule_biopsy_has_no_skin_icd_code(make, region, involves, subsite, icd_query) -> None:
    # The reference gives no ICD-10-CM code for these sites: the mucosa treatment (no line, a query).
    result = suggest_codes([make(procedure="biopsy_punch", region=region, involves=involves, subsite=subsite, dx="bcc", source="pathology")])
    assert [c.code for c in result.codes if c.system == "ICD-10-CM"] == []
    assert icd_query in {q.rule for q in result.queries}


def test_a_lid_margin_biopsy_keeps_the_eyelid_icd_code(make) -> None:
    result = suggest_codes([make(procedure="biopsy_incisional", region="eyelid", laterality="left", eyelid_part="lower", involves=("lid margin",), dx="bcc")])
    assert cpt(result) == ["67810"]
    assert [c.code for c in result.codes if c.system == "ICD-10-CM"] == ["C44.1192"]


def test_the_ear_alternative_is_flagged_unverified(make) -> None:
    result = suggest_codes([make(procedure="biopsy_punch", region="ear", subsite="helix", dx=None, size=None, margin=None)])
    assert "UNVERIFIED_CODE" in line(result, "69100").flags
    assert "UNVERIFIED_CODE" not in line(result, "11104").flags


def test_biopsy_of_another_lesion_beside_an_excision_is_coded_with_both(make) -> None:
    result = suggest_codes([make(1, region="back", size="1.0", margin="0.2"), make(2, procedure="biopsy_punch", region="arm")])
    assert cpt(result) == ["11402", "11104"]


# --- skin tags: 1-15 then each further 10 or part (3.1) ----------------------------------------


@pytest.mark.parametrize(
    "count, expected",
    [(1, ["11200"]), (15, ["11200"]), (16, ["11200", "11201"]), (25, ["11200", "11201"]), (26, ["11200", "11201", "11201"]), (40, ["11200", "11201", "11201", "11201"])],
)
def test_skin_tags_are_counted(make, count, expected) -> None:
    result = suggest_codes([make(procedure="skin_tag_removal", region="neck", dx="skin_tag", size=None, margin=None, count=count)])
    assert cpt(result) == expected
    assert [c.code for c in result.codes if c.system == "ICD-10-CM"] == ["L91.8"]


def test_skin_tags_at_several_sites_are_added_up(make) -> None:
    lesions = [make(i, procedure="skin_tag_removal", region=r, dx="skin_tag", size=None, margin=None, count=n) for i, (r, n) in enumerate([("neck", 10), ("axilla", 8)], 1)]
    result = suggest_codes(lesions)
    assert cpt(result) == ["11200", "11201"]
    assert "18 skin tags" in line(result, "11200").rationale


# --- destruction (3.4) --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "count, expected",
    [(1, ["17000"]), (2, ["17000", "17003"]), (3, ["17000", "17003", "17003"]), (14, ["17000"] + ["17003"] * 13), (15, ["17004"]), (30, ["17004"])],
)
def test_destruction_of_premalignant_lesions(make, count, expected) -> None:
    result = suggest_codes([make(procedure="destruction", region="forehead", dx="actinic_keratosis", size=None, margin=None, count=count)])
    assert cpt(result) == expected


def test_three_actinic_keratoses_at_three_sites_count_together(make) -> None:
    lesions = [make(i, procedure="destruction", region=r, dx="actinic_keratosis", size=None, margin=None) for i, r in enumerate(["forehead", "scalp", "hand"], 1)]
    assert cpt(suggest_codes(lesions)) == ["17000", "17003", "17003"]


@pytest.mark.parametrize("count, expected", [(1, ["17110"]), (14, ["17110"]), (15, ["17111"])])
def test_destruction_of_benign_lesions(make, count, expected) -> None:
    result = suggest_codes([make(procedure="destruction", region="back", dx="seborrheic_keratosis", size=None, margin=None, count=count)])
    assert cpt(result) == expected


@pytest.mark.parametrize(
    "region, size, expected",
    [("back", "0.5", "17260"), ("arm", "0.9", "17261"), ("leg", "4.5", "17266"), ("scalp", "1.2", "17272"), ("nose", "0.4", "17280"), ("cheek", "3.5", "17284")],
)
def test_destruction_of_malignant_lesions_by_site_and_lesion_diameter(make, region, size, expected) -> None:
    result = suggest_codes([make(procedure="destruction", region=region, dx="bcc", size=size, margin="0.3")])
    assert cpt(result) == [expected]


# --- Mohs (2.4) ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "region, stages, blocks, expected",
    [
        ("nose", 1, (), ["17311"]),
        ("nose", 2, (3, 2), ["17311", "17312"]),
        ("scalp", 3, (), ["17311", "17312", "17312"]),
        ("hand", 1, (7,), ["17311", "17315", "17315"]),
        ("back", 1, (), ["17313"]),
        ("leg", 2, (4, 6), ["17313", "17314", "17315"]),
    ],
)
def test_mohs_by_site_stages_and_blocks(make, region, stages, blocks, expected) -> None:
    result = suggest_codes([make(procedure="mohs", region=region, dx="bcc", mohs_stages=stages, mohs_blocks=blocks)])
    assert cpt(result) == expected


def test_mohs_includes_the_excision_but_not_the_repair(make) -> None:
    result = suggest_codes([make(procedure="mohs", region="nose", dx="bcc", mohs_stages=2, closure="complex", repair="2.0")])
    assert cpt(result) == ["17311", "17312", "13151"]


def test_mohs_diagnosis_needs_no_separate_pathology_report(make) -> None:
    # The Mohs surgeon reads the frozen sections: a certain postoperative diagnosis is final.
    result = suggest_codes([make(procedure="mohs", region="ear", dx="bcc", source="postoperative", mohs_stages=1)])
    assert cpt(result) == ["17311"]
    icd = [c for c in result.codes if c.system == "ICD-10-CM"]
    assert [c.code for c in icd] and icd[0].code.startswith("C44.2")
    assert "no separate pathology report" in icd[0].rationale
    assert not any(q.rule == "query.pathology_pending" for q in result.queries)


def test_mohs_without_stages_assumes_one_and_asks(make) -> None:
    result = suggest_codes([make(procedure="mohs", region="cheek", dx="bcc")])
    assert cpt(result) == ["17311"]
    assert "MOHS_STAGES_MISSING" in line(result, "17311").flags


# --- incision and drainage (3.5) ----------------------------------------------------------------


@pytest.mark.parametrize("complicated, expected", [(False, "10060"), (True, "10061")])
def test_incision_and_drainage(make, complicated, expected) -> None:
    result = suggest_codes([make(procedure="incision_drainage", region="back", dx="epidermoid_cyst", complicated=complicated)])
    assert cpt(result) == [expected]


# --- adjacent tissue transfer, flaps, grafts (4.5-4.7) ------------------------------------------


@pytest.mark.parametrize(
    "region, area, expected",
    [
        ("back", "10.0", ["14000"]),
        ("back", "10.1", ["14001"]),
        ("scalp", "8", ["14020"]),
        ("leg", "30.0", ["14021"]),
        ("cheek", "6.75", ["14040"]),
        ("neck", "12", ["14041"]),
        ("nose", "4", ["14060"]),
        ("eyelid", "20", ["14061"]),
        ("back", "30.1", ["14301"]),
        ("nose", "60.0", ["14301"]),
        ("back", "61", ["14301", "14302"]),
        ("back", "95", ["14301", "14302", "14302"]),
    ],
)
def test_tissue_transfer_by_site_group_and_defect_area_includes_the_excision(make, region, area, expected) -> None:
    result = suggest_codes([make(region=region, dx="bcc", size="1.0", margin="0.4", closure="adjacent_tissue_transfer", area=area)])
    assert cpt(result) == expected


def test_tissue_transfer_area_is_primary_plus_secondary_defect(make) -> None:
    result = suggest_codes([make(region="cheek", dx="bcc", closure="adjacent_tissue_transfer", areas=("3.0", "3.75"))])
    assert cpt(result) == ["14040"]
    assert "3.0 + 3.75 = 6.75 sq cm" in line(result, "14040").rationale


def test_tissue_transfer_without_an_area_asks_for_it(make) -> None:
    result = suggest_codes([make(region="nose", dx="bcc", closure="adjacent_tissue_transfer")])
    assert cpt(result) == []
    assert any(q.rule == "query.defect_area_missing" for q in result.queries)


def test_tissue_transfer_after_mohs_keeps_the_mohs_codes(make) -> None:
    result = suggest_codes([make(procedure="mohs", region="nose", dx="bcc", mohs_stages=1, closure="adjacent_tissue_transfer", area="5")])
    assert cpt(result) == ["17311", "14060"]


@pytest.mark.parametrize("region, expected", [("back", "15570"), ("arm", "15572"), ("cheek", "15574"), ("nose", "15576")])
def test_pedicle_flap_is_coded_with_the_excision(make, region, expected) -> None:
    result = suggest_codes([make(region=region, dx="bcc", size="1.0", margin="0.4", closure="flap")])
    assert cpt(result)[-1] == expected and len(cpt(result)) == 2


@pytest.mark.parametrize(
    "region, thickness, area, expected",
    [
        ("nose", "full_thickness", "4", ["11642", "15260"]),
        ("ear", "full_thickness", "20", ["11642", "15260"]),
        ("ear", "full_thickness", "21", ["11642", "15260", "15261"]),
        ("back", "full_thickness", "45", ["11602", "15200", "15201", "15201"]),
        ("leg", "split_thickness", "50", ["11602", "15100"]),
        ("scalp", "split_thickness", "150", ["11622", "15120", "15121"]),
    ],
)
def test_skin_grafts_are_coded_with_the_excision_by_recipient_area(make, region, thickness, area, expected) -> None:
    result = suggest_codes([make(region=region, dx="bcc", size="1.0", margin="0.3", closure="graft", detail=(thickness,), area=area)])
    assert cpt(result) == expected


# --- subcutaneous soft-tissue tumours (1.8) -----------------------------------------------------


@pytest.mark.parametrize(
    "region, size, depth, expected",
    [
        ("forehead", "1.9", "subcutaneous", "21011"),
        ("scalp", "2.0", "subcutaneous", "21012"),
        ("back", "2.9", "subcutaneous", "21930"),
        ("back", "3.0", "subcutaneous", "21931"),  # "3 cm or more"
        ("back", "4.0", "subfascial", "21932"),
        ("back", "5.0", "subfascial", "21933"),
        ("leg", "2.0", "subcutaneous", "27618"),
        ("thigh", "6.0", "subcutaneous", "27337"),
        ("hand", "1.4", "subcutaneous", "26115"),
        ("foot", "1.5", "subcutaneous", "28039"),
    ],
)
def test_lipoma_by_region_depth_and_size(make, region, size, depth, expected) -> None:
    result = suggest_codes([make(region=region, dx="lipoma", source="preoperative", size=size, margin=None, depth=depth)])
    assert cpt(result) == [expected]


def test_unverified_soft_tissue_codes_are_flagged(make) -> None:
    result = suggest_codes([make(region="thigh", dx="lipoma", source="preoperative", size="2.0", margin=None, depth="subcutaneous")])
    assert "UNVERIFIED_CODE" in line(result, "27327").flags


# --- site-specific alternatives (3.6) ----------------------------------------------------------


def test_eyelid_lesion_involving_the_lid_margin_takes_67840_with_the_skin_code_as_alternative(make) -> None:
    result = suggest_codes([make(region="eyelid", laterality="left", eyelid_part="upper", involves=("lid margin",))])
    assert cpt(result) == ["67840"] and cpt(result, "alternative") == ["11440"]
    assert "lid margin" in line(result, "67840").rationale


def test_eyelid_skin_only_keeps_the_skin_code_and_offers_67840(make) -> None:
    result = suggest_codes([make(region="eyelid", laterality="left", eyelid_part="upper")])
    assert cpt(result) == ["11440"] and cpt(result, "alternative") == ["67840"]
    assert line(result, "67840").rule == "alt.eyelid_67840"


@pytest.mark.parametrize(
    ("involves", "expected", "alternative"),
    [
        # shaved flush with the lid margin: the eyelid lesion excision (no size, no closure) describes it
        (("lid margin",), ["67840"], ["11440"]),
        (("tarsus",), ["67840"], ["11440"]),
        # a shave of eyelid skin only stays a shave removal
        ((), ["11310"], []),
    ],
)
def test_eyelid_shave_involving_the_lid_margin_takes_67840(make, involves, expected, alternative) -> None:
    lesion = make(procedure="shave", region="eyelid", laterality="left", eyelid_part="lower", size="4 mm", margin=None, involves=involves)
    result = suggest_codes([lesion])
    assert cpt(result) == expected and cpt(result, "alternative") == alternative


def test_ear_excision_through_cartilage_offers_69110(make) -> None:
    result = suggest_codes([make(region="ear", involves=("cartilage",))])
    assert cpt(result) == ["11440"] and cpt(result, "alternative") == ["69110"]


# --- payer profiles and modifiers (1.6, 1.7, 2.3) ----------------------------------------------


def two_same_code_lesions(make):
    return [make(1, region="back", size="0.6", margin="0.2"), make(2, region="arm", size="0.5", margin="0.25")]


@pytest.mark.parametrize(
    "policy, lines",
    [
        ("cpt", [("11401", 2, [])]),
        ("ncci", [("11401", 1, []), ("11401", 1, ["XS"])]),
        ("commercial_59", [("11401", 1, []), ("11401", 1, ["59"])]),
    ],
)
def test_payer_profile_decides_units_or_separate_lines_with_59_or_xs(make, policy, lines) -> None:
    result = suggest_codes(two_same_code_lesions(make), policy=policy)
    assert [(c.code, c.units, c.modifiers) for c in result.codes if c.system == "CPT"] == lines


def test_separate_lines_keep_each_lesions_own_rationale_and_evidence(make) -> None:
    result = suggest_codes(two_same_code_lesions(make), policy="ncci")
    first, second = (c for c in result.codes if c.code == "11401")
    assert first.lesions == [1] and second.lesions == [2]
    assert "0.6 cm lesion" in first.rationale and "0.5 cm lesion" in second.rationale
    assert "modifier XS" in second.rationale and second.rationale.endswith("11401-XS")


@pytest.mark.parametrize("policy, expected", [("cpt", []), ("ncci", ["XS"]), ("commercial_59", ["59"])])
def test_biopsy_of_a_distinct_lesion_at_an_excision_session_takes_the_distinct_modifier(make, policy, expected) -> None:
    result = suggest_codes([make(1, region="back", size="1.0", margin="0.2"), make(2, procedure="biopsy_punch", region="arm")], policy=policy)
    assert line(result, "11104").modifiers == expected
    assert line(result, "11402").modifiers == []


@pytest.mark.parametrize("days, expected", [(7, ["58"]), (10, ["58"]), (30, []), (None, [])])
def test_re_excision_in_the_global_period_takes_58(make, days, expected) -> None:
    lesion = make(procedure="re_excision", region="back", dx="dysplastic_nevus", size="1.0", margin="0.2", prior_excision_days=days)
    assert line(suggest_codes([lesion]), "11402").modifiers == expected


def test_malignant_re_excision_with_clear_pathology_stays_malignant(make, dx) -> None:
    lesion = make(procedure="re_excision", region="back", dx="bcc", size="1.0", margin="0.4", prior_malignant=True,
                  extra_dx=[dx("scar", source="pathology")])
    assert cpt(suggest_codes([lesion])) == ["11602"]


def test_add_on_codes_are_never_split_or_given_distinct_modifiers(make) -> None:
    result = suggest_codes([make(procedure="destruction", region="forehead", dx="actinic_keratosis", size=None, margin=None, count=4)], policy="ncci")
    assert [(c.code, c.units, c.modifiers) for c in result.codes if c.system == "CPT"] == [("17000", 1, []), ("17003", 3, [])]


def test_every_rationale_names_a_rule_that_opnote_rules_lists(make) -> None:
    """Explainability: the rule id opening each rationale is a listed rule id."""
    from nlp.coding import describe_rules

    listed = {r["id"] for r in describe_rules()}
    cases = [
        [make(procedure="shave", region="back", size="0.6")],
        [make(1, procedure="biopsy_punch", region="arm"), make(2, procedure="biopsy_tangential", region="back")],
        [make(procedure="destruction", region="forehead", dx="actinic_keratosis", size=None, margin=None, count=3)],
        [make(procedure="mohs", region="leg", dx="bcc", mohs_stages=2, mohs_blocks=(6, 2))],
        [make(region="cheek", dx="bcc", closure="adjacent_tissue_transfer", area="45")],
        [make(region="back", dx="lipoma", source="preoperative", size="4.0", margin=None, depth="subfascial")],
        [make(region="eyelid", laterality="left", eyelid_part="upper", involves=("lid margin",))],
        [make(procedure="incision_drainage", region="back", dx="epidermoid_cyst", complicated=True)],
    ]
    for lesions in cases:
        for code in suggest_codes(lesions, policy="ncci").codes:
            named = code.rationale.split(":", 1)[0].split(", ")
            assert code.rule in named and set(named) <= listed, code.rationale
