"""The packaged pipeline in models/: loadable by spaCy alone, current, and carrying its rules."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
import spacy

from nlp.pipeline.build import build_pipeline
from nlp.pipeline.package import REPO_MODEL_DIR, pipeline_rules_hash, save_model

GOLD = Path(__file__).resolve().parents[1] / "annotations" / "dev.jsonl"


def _entities(doc) -> list[tuple[int, int, str]]:
    return [(e.start_char, e.end_char, e.label_) for e in doc.ents]


def test_shipped_model_loads_with_spacy_load_and_is_current() -> None:
    language = spacy.load(REPO_MODEL_DIR)
    assert language.pipe_names == ["opnote_sections", "opnote_sentences", "opnote_measurements",
                                   "opnote_targets", "opnote_context", "opnote_lesions"]
    assert language.meta["opnote_rules_hash"] == pipeline_rules_hash(), (
        "models/opnote_core is older than the rule files: rebuild it with `opnote build-model`"
    )


def test_shipped_model_loads_without_a_version_warning_on_the_installed_spacy() -> None:
    # Python 3.11 runs spaCy 3.7 and 3.12 runs 3.8 (medspaCy's pins); the one saved pipeline
    # must load on both without W095 ("trained with spaCy v3.7 ...") on stderr.
    from spacy.util import is_compatible_version

    from nlp.pipeline.package import SPACY_VERSION_RANGE

    meta = json.loads((REPO_MODEL_DIR / "meta.json").read_text())
    assert meta["spacy_version"] == SPACY_VERSION_RANGE
    assert is_compatible_version(spacy.__version__, meta["spacy_version"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        spacy.load(REPO_MODEL_DIR)


def test_shipped_model_matches_fresh_build_on_gold_notes(pipeline) -> None:
    loaded = spacy.load(REPO_MODEL_DIR)
    texts = [json.loads(line)["text"] for line in GOLD.read_text().splitlines()[:20]]
    for text in texts:
        assert _entities(loaded(text)) == _entities(pipeline(text))


def test_saved_model_uses_its_own_rule_files(tmp_path: Path) -> None:
    target = save_model(tmp_path / "model")
    sites = target / "opnote_targets" / "sites.json"
    data = json.loads(sites.read_text())
    data["sites"].append({"id": "site.test_only", "region": "forearm", "terms": ["zorblat"]})
    sites.write_text(json.dumps(data))
    doc = spacy.load(target)("A 4 mm nevus of the zorblat was excised.")
    assert [(e.text, e.label_) for e in doc.ents if e.label_ == "ANATOMIC_SITE"] == [("zorblat", "ANATOMIC_SITE")]


def test_bad_rule_file_in_saved_model_fails_at_load(tmp_path: Path) -> None:
    from nlp.errors import RuleFileError

    target = save_model(tmp_path / "model")
    sites = target / "opnote_targets" / "sites.json"
    data = json.loads(sites.read_text())
    data["sites"][0]["region"] = "not_a_region"
    sites.write_text(json.dumps(data))
    with pytest.raises(RuleFileError, match="sites.json"):
        spacy.load(target)


def test_build_pipeline_records_rules_hash() -> None:
    assert build_pipeline().meta["opnote_rules_hash"] == pipeline_rules_hash()


def test_results_carry_rules_version(coder) -> None:
    record = coder.code("A 4 mm nevus of the left cheek was excised with 1 mm margins.", "n1")
    assert record.rules_version.endswith(f"pipeline.{pipeline_rules_hash()}")
    assert record.rules_version.startswith("2026.")
