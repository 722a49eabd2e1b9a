"""Pydantic models of the coding rule files under ``nlp/resources/coding/``.

These models check the *shape* of each item (types, code formats, exact decimals) so a typo is
caught when the tables load, not in the middle of a batch.  Checks that need several items at
once (references between rules, band order, codes per band) live in :mod:`nlp.coding.tables`,
which can name the offending rule id in its error.

Numbers are written as quoted strings in YAML (``"0.5"``) and become :class:`~decimal.Decimal`;
a bare YAML float is rejected, because ``0.1 + 0.2`` style float arithmetic would move an exact
3.0 cm excision into the next size bucket (coding-rules.md section 1.2).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

Family = Literal["benign", "malignant"]
RepairClass = Literal["intermediate", "complex"]

_RULE_ID = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
_KEY = re.compile(r"^[a-z0-9_]+$")
_CPT = re.compile(r"^\d{5}$")
# ICD-10-CM: letter, digit, digit-or-letter, then optionally a dot and 1-4 characters.
_ICD = re.compile(r"^[A-Z]\d[0-9A-Z](\.[0-9A-Z]{1,4})?$")


def _exact_decimal(value: object) -> Decimal:
    """Accept ``"0.5"`` or an int; refuse floats so sizes stay exact."""
    if isinstance(value, bool):
        raise ValueError("expected a number written as a quoted string, e.g. '0.5'")
    if isinstance(value, float):
        raise ValueError(f"write {value!r} as a quoted string ('{value}') so it stays an exact decimal")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a number; write e.g. '0.5'") from None
        if not number.is_finite():
            raise ValueError(f"{value!r} is not a finite number")
        return number
    raise ValueError(f"expected a number written as a quoted string, e.g. '0.5', got {type(value).__name__}")


def _non_negative(value: Decimal) -> Decimal:
    if value < 0:
        raise ValueError(f"{value} is negative; lengths and penalties are >= 0")
    return value


def _fraction(value: Decimal) -> Decimal:
    if not Decimal(0) <= value <= Decimal(1):
        raise ValueError(f"{value} is outside 0..1")
    return value


def _cpt_code(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError(f"quote CPT code {value} as a string ('{value}') so its format is kept")
    if not isinstance(value, str) or not _CPT.match(value):
        raise ValueError(f"{value!r} is not a 5-digit CPT code written as a string, e.g. '11440'")
    return value


def _icd_code(value: object) -> str:
    if not isinstance(value, str) or not _ICD.match(value):
        raise ValueError(f"{value!r} is not an ICD-10-CM code such as 'D22.39' or 'C44.1192'")
    return value


def _rule_id(value: object) -> str:
    if not isinstance(value, str) or not _RULE_ID.match(value):
        raise ValueError(f"{value!r} is not a rule id: lower-case words joined by dots, e.g. 'exc.benign.face'")
    return value


def _key(value: object) -> str:
    if not isinstance(value, str) or not _KEY.match(value):
        raise ValueError(f"{value!r} is not a key: lower-case letters, digits and underscores, e.g. 'trunk_arms_legs'")
    return value


Cm = Annotated[Decimal, BeforeValidator(_exact_decimal)]
PositiveCm = Annotated[Decimal, BeforeValidator(lambda v: _non_negative(_exact_decimal(v)))]
Fraction = Annotated[Decimal, BeforeValidator(lambda v: _fraction(_exact_decimal(v)))]
CptCode = Annotated[str, BeforeValidator(_cpt_code)]
IcdCode = Annotated[str, BeforeValidator(_icd_code)]
RuleId = Annotated[str, BeforeValidator(_rule_id)]
Key = Annotated[str, BeforeValidator(_key)]


class _Item(BaseModel):
    """Every rule-file item: unknown keys are errors (a misspelt key must not be ignored)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# --- meta.yaml -------------------------------------------------------------------------------


class MetaFile(_Item):
    kind: Literal["meta"]
    release: Annotated[str, Field(pattern=r"^\d{4}\.\d+\.\d+$")]
    base_confidence: Fraction
    min_confidence: Fraction


# --- excision.yaml ---------------------------------------------------------------------------


class Band(_Item):
    max_cm: PositiveCm
    label: str


class Group(_Item):
    id: Key
    label: str


class ExcisionGroup(Group):
    rank: Annotated[int, Field(ge=0)]


class ExcisionRule(_Item):
    id: RuleId
    family: Family
    group: Key
    codes: list[CptCode]
    describe_group_as: str | None = None
    check: RuleId | None = None

    @model_validator(mode="after")
    def _codes_or_check(self) -> ExcisionRule:
        if not self.codes and self.check is None:
            raise ValueError("a rule without codes must name the check it raises instead, e.g. check: query.malignant_mucosa")
        return self


class ExcisionFile(_Item):
    kind: Literal["excision"]
    bands: list[Band] = Field(min_length=1)
    over_label: str
    groups: list[ExcisionGroup]
    rules: list[ExcisionRule]
    descriptions: dict[Family, str]


# --- repairs.yaml ----------------------------------------------------------------------------


class CodeBand(_Item):
    max_cm: PositiveCm
    code: CptCode


class IntermediateRule(_Item):
    id: RuleId
    group: Key
    label: str
    bands: list[CodeBand] = Field(min_length=1)
    over_code: CptCode


class AddOn(_Item):
    step_cm: PositiveCm
    code: CptCode


class ComplexRule(_Item):
    id: RuleId
    group: Key
    label: str
    first: CodeBand
    second: CodeBand
    addon: AddOn


class ComplexSection(_Item):
    minimum_cm: PositiveCm
    downgrade_rule: RuleId
    rules: list[ComplexRule]


class RepairsFile(_Item):
    kind: Literal["repairs"]
    simple_groups: list[Group]
    intermediate: list[IntermediateRule]
    complex: ComplexSection
    descriptions: dict[Literal["intermediate", "complex", "complex_addon"], str]


# --- policies.yaml ---------------------------------------------------------------------------


class BundleRule(_Item):
    id: RuleId
    repair_classes: list[RepairClass] = Field(min_length=1)
    excision_codes: list[CptCode] = Field(min_length=1)
    check_when_not_applied: RuleId | None = None


class Policy(_Item):
    """A payer profile: bundling rules plus how distinct lesions and staged procedures are reported."""

    id: Key
    label: str
    bundles: list[BundleRule]
    same_code_lesions: Literal["units", "separate_lines"] = "units"
    distinct_modifier: Literal["59", "XS"] | None = None
    staged_modifier: Literal["58"] | None = "58"


class PoliciesFile(_Item):
    kind: Literal["policies"]
    policies: list[Policy] = Field(min_length=1)


# --- sites.yaml ------------------------------------------------------------------------------

SiteField = Literal["excision", "simple", "intermediate", "complex", "icd_site"]


class Region(_Item):
    id: RuleId
    region: Key
    excision: Key
    simple: Key
    intermediate: Key
    complex: Key
    icd_site: Key
    unverified: list[SiteField] = []


class SitesFile(_Item):
    kind: Literal["sites"]
    regions: list[Region] = Field(min_length=1)


# --- icd.yaml --------------------------------------------------------------------------------


class SpecialSite(_Item):
    check: RuleId
    suppress: Literal["all", "site_table"]
    # Diagnosis rules (icd.yaml ids) whose code is right at this site too: no check for them.
    exempt: list[RuleId] = Field(default_factory=list)


class IcdSite(_Item):
    id: Key
    label: str
    sided: bool = False
    eyelid_parts: bool = False
    special: SpecialSite | None = None


class Column(_Item):
    id: Key
    label: str
    unverified: bool = False


class Row(_Item):
    id: Annotated[str, Field(pattern=r"^[a-z_]+(\.(right|left)(\.(upper|lower))?)?$")]
    codes: list[IcdCode]


class SiteTable(_Item):
    columns: list[Column] = Field(min_length=1)
    rows: list[Row] = Field(min_length=1)


class Sided(_Item):
    unspecified: IcdCode
    right: IcdCode
    left: IcdCode


class IcdRule(_Item):
    id: RuleId
    label: str | None = None
    column: Key | None = None
    code: IcdCode | None = None
    by_site: dict[Key, Union[IcdCode, Sided]] | None = None
    unverified: bool = False

    @model_validator(mode="after")
    def _exactly_one_source(self) -> IcdRule:
        given = [name for name in ("column", "code", "by_site") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of column / code / by_site (found: {', '.join(given) or 'none'})")
        if self.column is None and not self.label:
            raise ValueError("a code or by_site rule needs a label (our own short title for the code)")
        return self


class IcdFile(_Item):
    kind: Literal["icd"]
    sites: list[IcdSite] = Field(min_length=1)
    site_table: SiteTable
    rules: list[IcdRule] = Field(min_length=1)
    known_headers: list[Annotated[str, Field(pattern=r"^[A-Z]\d[0-9A-Z](\.[0-9A-Z]{1,4})?$")]] = []


# --- diagnoses.yaml --------------------------------------------------------------------------


class KindCheck(_Item):
    id: RuleId
    touches: list[Literal["excision", "icd"]] = Field(min_length=1)


class DiagnosisKind(_Item):
    id: RuleId
    kind: Key
    label: str
    family: Family
    clearly_benign: bool = False
    icd: RuleId | None = None
    # A kind whose ICD-10-CM codes the reference does not give (an abscess, furuncle or carbuncle:
    # L02.x by site): this query asks for the code instead, and no unverified code is emitted.
    icd_query: RuleId | None = None
    excision: Literal["code", "none"] = "code"
    checks: list[KindCheck] = []
    sign_code: bool = False
    # Destruction family (17000s premalignant, 17110s benign, 172xx malignant); default: the family.
    destruction: Literal["premalignant", "benign", "malignant"] | None = None

    @model_validator(mode="after")
    def _icd_or_query(self) -> DiagnosisKind:
        if (self.icd is None) == (self.icd_query is None):
            raise ValueError("give exactly one of icd (a rule in icd.yaml) / icd_query (a check in checks.yaml)")
        return self


class DiagnosesFile(_Item):
    kind: Literal["diagnoses"]
    held_sign_rule: RuleId
    kinds: list[DiagnosisKind] = Field(min_length=1)


# --- checks.yaml -----------------------------------------------------------------------------


ProcedureFamily = Literal[
    "excision", "soft_tissue", "shave", "biopsy", "skin_tags", "destruction_premalignant", "destruction_benign",
    "destruction_malignant", "mohs", "drainage", "none",
]
"""The code family of a lesion's procedure (``nlp.coding.context.procedure_family``)."""


class CheckVariant(_Item):
    """The wording of a check for lesions whose procedure is in ``families``.

    A query must say what actually waits: for a biopsy or a shave no excision code is held.
    """

    families: list[ProcedureFamily] = Field(min_length=1)
    message: str


class Check(_Item):
    id: RuleId
    flag: Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]*$")]
    penalty: Fraction
    message: str
    query: bool = True
    variants: list[CheckVariant] = []

    def message_for(self, family: str | None) -> str:
        """The message for a lesion of procedure ``family`` (the plain ``message`` by default)."""
        return next((v.message for v in self.variants if family in v.families), self.message)


class ChecksFile(_Item):
    kind: Literal["checks"]
    checks: list[Check] = Field(min_length=1)


FILE_MODELS: dict[str, type[BaseModel]] = {
    "meta": MetaFile,
    "excision": ExcisionFile,
    "repairs": RepairsFile,
    "policies": PoliciesFile,
    "sites": SitesFile,
    "icd": IcdFile,
    "diagnoses": DiagnosesFile,
    "checks": ChecksFile,
}
"""Top-level ``kind:`` of each rule file -> the model that validates it."""


# --- procedures.yaml (the neighbouring procedure families, coding-rules.md sections 2.4-4.7) --

GroupAxis = Literal["excision", "complex"]
"""Which site-group column of ``sites.yaml`` a procedure table is keyed by."""


class SizedRow(_Item):
    """Codes by site group and size: one code per band, plus one for the open-ended top."""

    id: RuleId
    groups: list[Key] = Field(min_length=1)
    codes: list[CptCode] = Field(min_length=1)
    label: str
    unverified: bool = False


class SizedTable(_Item):
    """A family coded by site group x size (shave removal, malignant destruction)."""

    axis: GroupAxis
    bands_cm: list[PositiveCm] = Field(min_length=1)
    band_labels: list[str] = Field(min_length=2)
    rows: list[SizedRow] = Field(min_length=1)
    description: str


class BiopsyTechnique(_Item):
    id: RuleId
    procedure: Key
    label: str
    base: CptCode
    addon: CptCode


class BiopsySite(_Item):
    """A biopsy site that is not skin, with its own code instead of 11102-11107 (section 3.3).

    Matches a lesion whose site region is ``region`` and, when given, whose ``Site.involves``
    shares a word with ``when_involves``, whose subsite is one of ``subsites`` and not one of
    ``except_subsites``.  The first matching row wins.  ``code`` is the site's own biopsy line;
    ``alternative: true`` offers it beside the kept skin code instead (an unverified code is
    never the main line); a row without a code keeps the skin code and raises ``check``.
    ``icd_site`` (an icd.yaml site) replaces the region's ICD-10-CM site for the lesion.
    """

    id: RuleId
    region: Key
    when_involves: list[str] = []
    subsites: list[str] = []
    except_subsites: list[str] = []
    code: CptCode | None = None
    label: str
    why: str
    alternative: bool = False
    unverified: bool = False
    icd_site: Key | None = None
    check: RuleId | None = None


class BiopsyFamily(_Item):
    """Techniques from the highest-valued (the encounter's base code) to the lowest."""

    techniques: list[BiopsyTechnique] = Field(min_length=1)
    description: str
    addon_description: str
    sites: list[BiopsySite] = []


class CountedFamily(_Item):
    """A family counted in lesions: ``first`` covers up to ``first_max``; ``addon`` each ``step`` more.

    Skin tags: 11200 covers 1-15, +11201 per further 10 or part.  Premalignant destruction:
    17000 the first, +17003 each of the 2nd to 14th (step 1), 17004 alone for ``many_from`` or more.
    Benign destruction: 17110 up to 14, 17111 for 15 or more (no add-on).
    """

    id: RuleId
    label: str
    first: CptCode
    first_max: Annotated[int, Field(ge=1)]
    addon: CptCode | None = None
    step: Annotated[int, Field(ge=1)] = 1
    addon_max: Annotated[int, Field(ge=1)] | None = None
    many: CptCode | None = None
    many_from: Annotated[int, Field(ge=2)] | None = None
    description: str


class MohsRow(_Item):
    id: RuleId
    groups: list[Key] = Field(min_length=1)
    label: str
    first_stage: CptCode
    additional_stage: CptCode


class MohsFamily(_Item):
    rows: list[MohsRow] = Field(min_length=1)
    extra_block: CptCode
    blocks_per_stage: Annotated[int, Field(ge=1)]
    extra_block_rule: RuleId
    description: str


class DrainageFamily(_Item):
    id: RuleId
    simple: CptCode
    complicated: CptCode
    description: str


class AreaRow(_Item):
    id: RuleId
    groups: list[Key] = Field(min_length=1)
    label: str
    codes: list[CptCode] = Field(min_length=1)
    addon: CptCode | None = None
    unverified: bool = False


class AreaTable(_Item):
    """A family coded by site group x area in sq cm (tissue transfer, grafts).

    ``bands_sq_cm`` bound the per-group codes; above the last band, ``large`` (tissue transfer:
    any site) or the row's ``addon`` per ``addon_step_sq_cm`` takes over.
    """

    axis: GroupAxis
    bands_sq_cm: list[PositiveCm] = Field(min_length=1)
    rows: list[AreaRow] = Field(min_length=1)
    addon_step_sq_cm: PositiveCm | None = None
    large_rule: RuleId | None = None
    large_code: CptCode | None = None
    large_max_sq_cm: PositiveCm | None = None
    large_addon: CptCode | None = None
    includes_excision: bool = False
    description: str


class FlapRow(_Item):
    id: RuleId
    groups: list[Key] = Field(min_length=1)
    label: str
    code: CptCode


class FlapFamily(_Item):
    axis: GroupAxis
    rows: list[FlapRow] = Field(min_length=1)
    description: str


class SoftTissueRow(_Item):
    """One body region's subcutaneous and subfascial codes, split at ``split_cm``."""

    id: RuleId
    region: Key
    label: str
    subcutaneous: list[CptCode] = Field(min_length=2, max_length=2)
    subcutaneous_split_cm: PositiveCm
    subfascial: list[CptCode] = Field(min_length=2, max_length=2)
    subfascial_split_cm: PositiveCm
    unverified: bool = False


class SoftTissueFamily(_Item):
    diagnoses: list[Key] = Field(min_length=1)
    regions: dict[Key, Key]
    rows: list[SoftTissueRow] = Field(min_length=1)
    description: str


class Alternative(_Item):
    """A site-specific code that competes with the skin excision codes (section 3.6)."""

    id: RuleId
    region: Key
    when_involves: list[str] = []
    code: CptCode
    label: str
    preferred_when_involved: bool = False
    unverified: bool = False


class ProceduresFile(_Item):
    kind: Literal["procedures"]
    shave: SizedTable
    biopsy: BiopsyFamily
    skin_tags: CountedFamily
    destruction_premalignant: CountedFamily
    destruction_benign: CountedFamily
    destruction_malignant: SizedTable
    mohs: MohsFamily
    incision_drainage: DrainageFamily
    tissue_transfer: AreaTable
    pedicle_flap: FlapFamily
    graft_full_thickness: AreaTable
    graft_split_thickness: AreaTable
    soft_tissue: SoftTissueFamily
    alternatives: list[Alternative] = []


FILE_MODELS["procedures"] = ProceduresFile
