"""Save the pipeline as a self-contained directory under ``models/`` and check it is current.

The saved directory holds spaCy's config, the tokenizer and every component's rule files
(written by the components' ``to_disk``), plus ``meta.json`` with the hash of the rule files it
was built from, so a result can be traced to the exact rule set.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from nlp.pipeline.rulefiles import RESOURCES

PIPELINE_RESOURCE_FILES = ("sections.json", "context_rules.json", "measurements.json", "targets")
REPO_MODEL_DIR = Path(__file__).resolve().parents[2] / "models" / "opnote_core"
# The spaCy lines the saved pipeline loads with: the same range pyproject.toml allows (3.7 on
# Python 3.11, 3.8 on 3.12).  The pipeline holds rules, no trained weights, so spaCy's default
# (the minor version it was saved with) would only make the other line warn (W095) at load.
SPACY_VERSION_RANGE = ">=3.7.4,<3.9.0"


def pipeline_rules_hash() -> str:
    """sha256 (first 12 hex digits) over the pipeline's rule files, in a stable order."""
    digest = hashlib.sha256()
    for name in PIPELINE_RESOURCE_FILES:
        path = RESOURCES / name
        files = sorted(path.rglob("*.json")) if path.is_dir() else [path]
        for file in files:
            if file.exists():
                digest.update(file.relative_to(RESOURCES).as_posix().encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()[:12]


def save_model(output: str | Path) -> Path:
    """Build the pipeline from the packaged rules and write it to ``output``."""
    from nlp import __version__
    from nlp.pipeline.build import build_pipeline

    language = build_pipeline()
    language.meta["version"] = __version__
    language.meta["description"] = "opnote-coder rule-based pipeline for skin-lesion operative notes"
    language.meta["spacy_version"] = SPACY_VERSION_RANGE
    output = Path(output)
    language.to_disk(output)
    return output
