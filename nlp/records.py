"""Plain data records that join the spaCy layer to the coding layer.

The spaCy layer (``nlp.pipeline`` + ``nlp.extract``) produces a :class:`NoteFacts`;
the coding layer (``nlp.coding``) reads it and never needs spaCy.  Everything here is
a frozen-ish dataclass of built-in types and :class:`~decimal.Decimal`, so records can
be built by hand in tests, pickled to Dask workers and serialised without a model.

Lengths are always centimetres (``Decimal``), areas square centimetres.  Character
offsets always index the *original* note text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

Behaviour = Literal["benign", "malignant", "uncertain", "unknown"]
DiagnosisSource = Literal["pathology", "postoperative", "preoperative", "clinical"]
Laterality = Literal["left", "right", "bilateral", "midline"]
MeasureKind = Literal[
    "lesion_size",
    "margin",
    "excised_diameter",
    "wound_length",
    "specimen_size",
    "defect_area",
    "other",
]
ProcedureKind = Literal[
    "excision",
    "re_excision",
    "shave",
    "biopsy_tangential",
    "biopsy_punch",
    "biopsy_incisional",
    "skin_tag_removal",
    "destruction",
    "mohs",
    "incision_drainage",
    "adjacent_tissue_transfer",
    "flap",
    "graft",
    "other",
]
ClosureClass = Literal[
    "simple",
    "intermediate",
    "complex",
    "adjacent_tissue_transfer",
    "flap",
    "graft",
    "secondary_intention",
    "adhesive_strips",
    "none",
]


@dataclass(frozen=True)
class Span:
    """A stretch of the original note that supports a fact."""

    start: int
    end: int
    text: str


@dataclass(slots=True)
class Mention:
    """One extracted entity mention, with its medspaCy ConText attributes.

    ``label`` is one of ANATOMIC_SITE, LESION_DIAGNOSIS, EXCISED_DIAMETER, CLOSURE_TYPE,
    PROCEDURE, LESION_SIZE, MARGIN, WOUND_LENGTH (plus SPECIMEN_SIZE, DEFECT_AREA).
    ``value`` is the normalised value: a dict of plain values (strings, numbers as
    strings for exactness, booleans).  ``rule`` is the stable id of the pattern that
    matched, so a reviewer can trace every highlight to its rule.  Not frozen: a note has dozens
    of mentions, and linking sets ``lesion`` on each in place.
    """

    label: str
    start: int
    end: int
    text: str
    section: str | None = None
    negated: bool = False
    uncertain: bool = False
    historical: bool = False
    family: bool = False
    hypothetical: bool = False
    value: dict | None = None
    rule: str | None = None
    lesion: int | None = None

    @property
    def asserted(self) -> bool:
        """True when the mention states a current, certain, patient fact."""
        return not (self.negated or self.uncertain or self.historical or self.family or self.hypothetical)

    @property
    def span(self) -> Span:
        return Span(self.start, self.end, self.text)


@dataclass(frozen=True)
class Measure:
    """A length in centimetres (or an area in square centimetres for ``defect_area``).

    ``dimensions`` keeps every number of a ``1.2 x 0.8 cm`` measurement; ``value_cm`` is
    the one that matters for coding (the greatest dimension; for a margin range, the
    narrowest).  ``sub_mm`` is true when the value is not a whole number of millimetres,
    which the coding layer turns into a boundary query.
    """

    value_cm: Decimal
    span: Span
    kind: MeasureKind = "other"
    dimensions: tuple[Decimal, ...] = ()
    unit: str = "cm"

    @property
    def sub_mm(self) -> bool:
        tenths = self.value_cm * 10
        return tenths != tenths.to_integral_value()


@dataclass(frozen=True)
class Site:
    """Where the lesion was: the text plus a canonical region the code tables understand.

    ``region`` is a key such as ``nose``, ``eyelid``, ``cheek``, ``scalp``, ``forearm``
    (the full list is ``nlp/resources/sites.json`` → ``regions``).  ``subsite`` is the finer
    anatomical name ("nasal ala").  ``eyelid_part`` is ``upper``/``lower`` for eyelids.
    ``involves`` lists deeper or special structures the note says were involved
    ("lid margin", "vermilion", "cartilage", "mucosa").
    """

    text: str
    region: str
    span: Span
    subsite: str | None = None
    laterality: Laterality | None = None
    eyelid_part: Literal["upper", "lower"] | None = None
    involves: tuple[str, ...] = ()


@dataclass(frozen=True)
class Diagnosis:
    """What the lesion is, and where that statement came from.

    ``kind`` is a canonical diagnosis key from ``nlp/resources/diagnoses.json``
    (``melanocytic_nevus``, ``bcc``, ``scc_in_situ``, ``lipoma`` ...).  ``behaviour`` is the
    biological behaviour the lexicon assigns to that kind.  ``certain`` is False when
    ConText found "rule out", "suspicious for", "vs" and the like.
    """

    text: str
    kind: str
    behaviour: Behaviour
    source: DiagnosisSource
    span: Span
    certain: bool = True


@dataclass(frozen=True)
class Procedure:
    """What was done to the lesion (only performed procedures, never planned ones)."""

    kind: ProcedureKind
    text: str
    span: Span


@dataclass(frozen=True)
class Closure:
    """How the wound was closed.  ``detail`` keeps qualifiers such as ``dermal_only``."""

    closure_class: ClosureClass
    text: str
    span: Span
    detail: tuple[str, ...] = ()


@dataclass
class Lesion:
    """Everything the note says about one treated lesion.  Index is 1-based.

    ``count`` is how many like lesions this record stands for (12 skin tags, 3 actinic
    keratoses treated alike); ``count_stated`` says the note gave that number.  ``mohs_stages``
    and ``mohs_blocks`` (blocks per stage) describe Mohs surgery; ``depth`` a soft-tissue
    tumour's plane; ``complicated`` an incision and drainage with packing, a drain or several
    cavities.  ``defect_area`` is the total defect area in sq cm and ``defect_parts`` the
    measurements it was added up from (primary and secondary defects).  ``prior_excision_days``
    is how long ago an earlier excision of the same lesion was, when the note says.
    """

    index: int
    site: Site | None = None
    diagnosis: Diagnosis | None = None
    diagnoses: list[Diagnosis] = field(default_factory=list)
    procedure: Procedure | None = None
    lesion_size: Measure | None = None
    margin: Measure | None = None
    excised_diameter: Measure | None = None
    specimen_size: Measure | None = None
    closure: Closure | None = None
    repair_length: Measure | None = None
    defect_area: Measure | None = None
    pathology_pending: bool = False
    prior_malignant_biopsy: bool = False
    count: int = 1
    count_stated: bool = False
    mohs_stages: int | None = None
    mohs_blocks: tuple[int, ...] = ()
    depth: Literal["subcutaneous", "subfascial"] | None = None
    complicated: bool = False
    defect_parts: tuple[Measure, ...] = ()
    prior_excision_days: int | None = None


@dataclass
class NoteFacts:
    """Everything extracted from one note: mentions, sections and lesion records."""

    text: str
    mentions: list[Mention] = field(default_factory=list)
    lesions: list[Lesion] = field(default_factory=list)
    sections: list[tuple[str, int, int]] = field(default_factory=list)


# --------------------------------------------------------------------------------------
# What the coding layer returns.  Plain dataclasses too, so the coding layer stays free of
# pydantic and spaCy; ``nlp.schema`` turns them into the published result record.
# --------------------------------------------------------------------------------------

CodeSystem = Literal["CPT", "ICD-10-CM"]
SuggestionStatus = Literal["suggested", "bundled", "alternative", "held"]


@dataclass(frozen=True)
class Evidence:
    """A span of the note that a code rests on, and which fact it supports."""

    start: int
    end: int
    text: str
    fact: str


@dataclass
class CodeSuggestion:
    """One suggested code line.

    ``status`` is ``suggested`` for a billable line, ``bundled`` when a payer policy folds
    it into another line (kept visible, never silently dropped), ``alternative`` for a
    competing code a coder may prefer, ``held`` when coding must wait (pathology pending).
    ``diagnoses`` holds the ICD-10-CM codes linked to a CPT line (the claim's pointer).
    """

    system: CodeSystem
    code: str
    description: str
    rule: str
    rationale: str
    lesion: int | None = None
    units: int = 1
    modifiers: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    confidence: float = 1.0
    status: SuggestionStatus = "suggested"
    diagnoses: list[str] = field(default_factory=list)
    lesions: list[int] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DocumentationQuery:
    """A documentation gap a coder would query the surgeon about."""

    rule: str
    message: str
    lesion: int | None = None
    flag: str | None = None


@dataclass
class LesionCoding:
    """What the coding layer decided about one lesion, echoed in the result record."""

    lesion: int
    site_group: str | None = None
    repair_groups: dict[str, str] = field(default_factory=dict)
    excised_diameter_cm: Decimal | None = None
    excised_diameter_formula: str | None = None
    behaviour: Behaviour = "unknown"


@dataclass
class CodingResult:
    """All code lines and documentation queries for one note."""

    codes: list[CodeSuggestion] = field(default_factory=list)
    queries: list[DocumentationQuery] = field(default_factory=list)
    lesions: list[LesionCoding] = field(default_factory=list)
    rules_version: str = ""
