"""Schemas and loaders for the target lexicons under ``nlp/resources/targets``.

Each lexicon is a JSON file of entries with a stable ``id``, the normalised values the entry
stands for, and its surface ``terms``.  They are validated here so a bad entry fails at start-up
with the file and entry id.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from nlp.pipeline.rulefiles import load_rule_file, resource_path


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z_]+(\.[a-z0-9_]+)+$")
    terms: list[str] = Field(default_factory=list)
    exact_terms: list[str] = Field(default_factory=list)
    weak: bool = False

    @model_validator(mode="after")
    def _has_terms(self) -> "_Entry":
        if not self.terms and not self.exact_terms:
            raise ValueError("entry has no terms; add at least one surface form to 'terms'")
        blank = [t for t in self.terms + self.exact_terms if not t.strip()]
        if blank:
            raise ValueError("empty term; remove it or write the surface form")
        return self


class SiteEntry(_Entry):
    region: str
    subsite: str | None = None
    structure: bool = False
    # "rough spots on his face", "trunk": a word for a whole area, and the regions inside it.  Beside
    # counted lesions at those regions ("L cheek x4, forehead x5") it names the same lesions.
    covers: list[str] = Field(default_factory=list)


class SiteModifiers(BaseModel):
    model_config = ConfigDict(extra="forbid")
    laterality: dict[str, Literal["left", "right", "bilateral", "midline"]]
    position: list[str]
    # "left chest medial", "the left fifth digit plantolaterally": position words written after the
    # site still belong to it (but not "lateral to the elbow", which places it from a landmark).
    trailing_position: list[str] = Field(default_factory=list)
    # "right and left cheek": a side word joined by one of these to a site that starts with its own
    # side word names the same site on that side (a second mention).
    side_coordinators: list[str] = Field(default_factory=list)


class SiteFilters(BaseModel):
    model_config = ConfigDict(extra="forbid")
    position_verbs: list[str]
    non_site_followers: list[str]
    non_site_preceders: list[str] = Field(default_factory=list)
    orientation_cues: list[str] = Field(default_factory=list)
    equipment_followers: list[str] = Field(default_factory=list)
    landmark_cues: list[str] = Field(default_factory=list)
    # "arising from the lid margin": the lesion is on the landmark, not measured from it.
    origin_verbs: list[str] = Field(default_factory=list)
    # "FTSG from L inner upper arm", "graft harvested from the thigh": a donor site.
    donor_cues: list[str] = Field(default_factory=list)
    # "a punch biopsy was taken from the left forearm": a biopsy or specimen word before the cue
    # makes "taken from" the lesion's site, not a graft's donor site (a graft word still decides).
    donor_cue_exceptions: list[str] = Field(default_factory=list)
    # "skin graft closure in the left supraclavicular region", "a conjunctival flap in the upper lid":
    # a graft or flap named just before "in" places the donor there too (verbs such as "taken" do
    # not: "a biopsy was taken in the left cheek").
    donor_in_cues: list[str] = Field(default_factory=list)
    # "at the nasal and temporal margins of the lesion": a site adjective that names a side of the
    # wound when margin nouns follow it (with other direction words between), not an anatomic site.
    margin_position_sites: list[str] = Field(default_factory=list)
    margin_position_nouns: list[str] = Field(default_factory=list)
    # "groin pedicle flap", "forehead flap": a site word that names the flap, one or two words before it.
    flap_words: list[str] = Field(default_factory=list)
    # "once the diagnosis is back", "come back in a week": a site word used as an adverb after these words.
    adverb_uses: dict[str, list[str]] = Field(default_factory=dict)
    # "81 yo M, snowbird, back for FBSE", "44 yo F back for skin tag removal": a site word used as an
    # adverb before these words, unless a word that places it comes first ("spots on his back for years").
    adverb_followers: dict[str, list[str]] = Field(default_factory=dict)
    # "the nevus on the back was shaved", "tags on her neck were clipped": a site placed by a locating
    # preposition right after one of these words (or a diagnosis) is where the lesion sits, even with
    # a positioning verb ("shaved", "clipped", "prepped") in the sentence.
    lesion_nouns: list[str] = Field(default_factory=list)
    # "shaved the SK off the left cheek", "a cyst from the upper back": a site these words place right
    # after a diagnosis or lesion noun is where the lesion was, like a locating preposition (only there:
    # "a graft from the groin" names a donor site).
    removal_prepositions: list[str] = Field(default_factory=list)
    # "left cheek just in front of the ear": a second site placed by these words locates the first.
    relative_cues: list[str] = Field(default_factory=list)
    # "lay about 1 cm below the lower lid", "just lateral to the tail of the brow": a relative cue
    # after a distance or one of these words places the lesion named before by a landmark.
    landmark_distance_words: list[str] = Field(default_factory=list)
    # "the anterior lip of the cervix", "the neck of the femur": a part of an organ, not skin.
    organ_followers: list[str] = Field(default_factory=list)
    # "catches on the arm of her glasses", "the foot of the bed": the part of an everyday object
    # named by a body-part word, not a site on the patient.
    object_followers: list[str] = Field(default_factory=list)
    # "three more were clipped from the left thigh", "12 shaved off the back": a count right before
    # one of these positioning verbs (with only ``count_fillers`` between) is the lesions taken off
    # the site, so the verb does not make the site a positioning one ("the hair was clipped").
    counted_removal_verbs: list[str] = Field(default_factory=list)
    count_fillers: list[str] = Field(default_factory=list)
    # "Left axillary lymph node excisional biopsy", "Excision of infected pilonidal cyst", "Excisional
    # breast biopsy": phrases naming a structure that is not skin.  A procedure or diagnosis word in
    # the same clause, or a site word inside the phrase, is not a skin-lesion fact.
    non_skin_structures: list[str] = Field(default_factory=list)
    # "a flexible blade bowed between thumb and finger", "the skin pinched up between thumb and
    # forefinger": the operator's grip, not a site on the patient.  A side word before the phrase
    # ("between the left thumb and index finger") makes it the patient's hand.
    operator_grips: list[str] = Field(default_factory=list)


class SiteLexicon(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: str
    description: str = ""
    regions: list[str]
    modifiers: SiteModifiers
    filters: SiteFilters
    sites: list[SiteEntry]

    @model_validator(mode="after")
    def _regions_known(self) -> "SiteLexicon":
        known = set(self.regions)
        for entry in self.sites:
            if entry.region not in known:
                raise ValueError(f"site {entry.id!r} uses region {entry.region!r}, which is not in 'regions'; add it there or fix the spelling")
            unknown = [region for region in entry.covers if region not in known or region == entry.region]
            if unknown:
                raise ValueError(f"site {entry.id!r} covers {unknown!r}: not other regions in 'regions'; fix the spelling")
        return self


class DiagnosisEntry(_Entry):
    kind: str
    behaviour: Literal["benign", "malignant", "uncertain", "unknown"]


class KindByModifier(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str
    modifiers: list[str]
    becomes: str


class DiagnosisLexicon(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: str
    description: str = ""
    modifiers: list[str]
    subtype_followers: list[str] = Field(default_factory=list)
    kind_by_modifier: list[KindByModifier] = Field(default_factory=list)
    diagnoses: list[DiagnosisEntry]

    @model_validator(mode="after")
    def _kinds_known(self) -> "DiagnosisLexicon":
        kinds = {d.kind for d in self.diagnoses}
        for rule in self.kind_by_modifier:
            for kind in (rule.kind, rule.becomes):
                if kind not in kinds:
                    raise ValueError(f"kind_by_modifier names kind {kind!r}, which no diagnosis entry has; fix the spelling")
        return self


class ClosureEntry(_Entry):
    only_in_sections: list[str] = Field(default_factory=list)
    closure_class: Literal[
        "simple", "intermediate", "complex", "adjacent_tissue_transfer", "flap", "graft",
        "secondary_intention", "adhesive_strips", "none",
    ]
    detail: list[str] = Field(default_factory=list)


class ClosureLexicon(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: str
    description: str = ""
    summary_preceders: list[str] = Field(default_factory=list)
    # "the donor site was closed primarily": a closure near these words closes a donor site.
    donor_site_words: list[str] = Field(default_factory=list)
    closures: list[ClosureEntry]


class ProcedureEntry(_Entry):
    kind: str
    # "Clipped 12 skin tags" (but "the hair was clipped"): a word that names the procedure only in a
    # sentence that also names one of these diagnosis kinds.
    needs_diagnosis: list[str] = Field(default_factory=list)


class ProcedureLexicon(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: str
    description: str = ""
    procedures: list[ProcedureEntry]


class SplitWords(BaseModel):
    """How the entity matcher joins words split by OCR ("ac rochordons"); see ``nlp/pipeline/splits.py``."""

    model_config = ConfigDict(extra="forbid")
    # A note is read as OCR-damaged only when this many distinct joins are found in it: one
    # accidental pair in a clean note is left alone.
    min_joins: int = Field(2, ge=1)
    # The shortest lexicon word a join may make ("neck").
    min_length: int = Field(4, ge=3)
    # Common words never taken as a fragment, whatever they would join into ("SK in", "a cne").
    not_fragments: list[str] = Field(default_factory=list)


class TypoLexicon(BaseModel):
    """Words whose one-edit misspellings still match ("Excison", "biospy", "nitorgen")."""

    model_config = ConfigDict(extra="forbid")
    version: str
    description: str = ""
    min_length: int = Field(6, ge=5)
    words: list[str]
    not_typos: list[str] = Field(default_factory=list)
    # A short word's one-edit variants are too often other words, so its misspellings are listed
    # one by one ("nek": "neck"), each checked to be no English or clinical word.
    misspellings: dict[str, str] = Field(default_factory=dict)
    split_words: SplitWords = Field(default_factory=SplitWords)

    def corrections(self) -> dict[str, str]:
        """Map each forgiven misspelling to its word.

        A misspelling that two listed words share, that is itself a listed word ("keratoses"
        is not a misspelling of "keratosis"), or that is listed in ``not_typos`` is left alone.
        Lexicon terms are normalised with the same map, so a correction can never stop a term
        from matching.  ``misspellings`` are added as listed.
        """
        listed = {w.lower() for w in self.words}
        found: dict[str, set[str]] = {}
        for word in (w for w in listed if len(w) >= self.min_length):
            for variant in _one_edit(word):
                if variant != word and variant[:2] == word[:2]:
                    found.setdefault(variant, set()).add(word)
        blocked = listed | {w.lower() for w in self.not_typos}
        out = {variant: next(iter(words)) for variant, words in found.items() if len(words) == 1 and variant not in blocked}
        out.update((wrong.lower(), meant.lower()) for wrong, meant in self.misspellings.items())
        return out


def _one_edit(word: str) -> set[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    out |= {a + c + b[1:] for a, b in splits if b for c in letters}
    out |= {a + c + b for a, b in splits for c in letters}
    return out


class Lexicons(BaseModel):
    """All the lexicons, as one object the target component can save and restore."""

    sites: SiteLexicon
    diagnoses: DiagnosisLexicon
    closures: ClosureLexicon
    procedures: ProcedureLexicon
    typos: TypoLexicon


LEXICON_FILES: dict[str, tuple[str, type[BaseModel], str]] = {
    "sites": ("targets/sites.json", SiteLexicon, "sites"),
    "diagnoses": ("targets/diagnoses.json", DiagnosisLexicon, "diagnoses"),
    "closures": ("targets/closures.json", ClosureLexicon, "closures"),
    "procedures": ("targets/procedures.json", ProcedureLexicon, "procedures"),
    "typos": ("targets/typos.json", TypoLexicon, "words"),
}


def load_lexicons(directory: str | Path | None = None) -> Lexicons:
    """Load and validate the lexicons from ``directory`` (default: the packaged ones)."""
    loaded = {}
    for key, (relative, model, rules_key) in LEXICON_FILES.items():
        path = Path(directory) / Path(relative).name if directory else resource_path(relative)
        loaded[key] = load_rule_file(path, model, rules_key=rules_key)
    return Lexicons(**loaded)


@lru_cache(maxsize=1)
def packaged_lexicons() -> Lexicons:
    return load_lexicons()
