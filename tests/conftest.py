"""Shared fixtures: one pipeline and one Coder per test session (building them takes ~1 s)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def pipeline():
    from nlp.pipeline.build import build_pipeline

    return build_pipeline()


@pytest.fixture(scope="session")
def lesions(pipeline):
    """``lesions(text)``: the lesion records the session pipeline links for a note text."""

    def link(text: str):
        return pipeline(text)._.opnote_facts.lesions

    return link


@pytest.fixture(scope="session")
def coder(pipeline):
    from nlp.service import Coder

    return Coder(pipeline=pipeline)


@pytest.fixture(scope="session")
def ncci_coder(pipeline):
    from nlp.service import Coder

    return Coder(pipeline=pipeline, policy="ncci")
