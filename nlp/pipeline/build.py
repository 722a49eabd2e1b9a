"""Build the opnote spaCy pipeline once, offline, from the rule files shipped in the package."""

from __future__ import annotations

from pathlib import Path

import spacy
from spacy.language import Language

# Importing the component modules registers their factories with spaCy.
from nlp.pipeline import context, measurements, sections, sentences, targets  # noqa: F401
from nlp.pipeline.package import pipeline_rules_hash
from nlp.pipeline.tokenizer import customize_tokenizer

PIPELINE_NAME = "opnote_core"
COMPONENTS = (
    "opnote_sections",
    "opnote_sentences",
    "opnote_measurements",
    "opnote_targets",
    "opnote_context",
    "opnote_lesions",
)


def build_pipeline() -> Language:
    """Return a fresh pipeline: tokenizer, sections, sentences, measurements, entities, ConText, lesions.

    Everything comes from files inside the package; nothing is downloaded.
    """
    from nlp.pipeline import lesions  # noqa: F401  (registers opnote_lesions)

    language = spacy.blank("en")
    customize_tokenizer(language)
    for name in COMPONENTS:
        language.add_pipe(name)
    language.meta["name"] = PIPELINE_NAME
    language.meta["opnote_rules_hash"] = pipeline_rules_hash()
    return language


def load_pipeline(path: str | Path | None = None) -> Language:
    """Load a saved pipeline directory (``models/opnote_core``) or, with no path, build one."""
    if path is None:
        return build_pipeline()
    from nlp.pipeline import lesions  # noqa: F401

    return spacy.load(path)
