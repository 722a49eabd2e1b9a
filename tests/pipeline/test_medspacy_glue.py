"""nlp.pipeline._medspacy: our shortcuts around medspaCy give medspaCy's own results."""

from __future__ import annotations

import json
import random
import warnings
from pathlib import Path

import pytest
from medspacy.common.util import prune_overlapping_matches

from nlp.pipeline._medspacy import RuleMatcher, prune_longest

GOLD = Path(__file__).resolve().parents[2] / "annotations" / "dev.jsonl"


def _random_matches(rng: random.Random) -> list[tuple[int, int, int]]:
    out = []
    for _ in range(rng.randint(0, 30)):
        start = rng.randint(0, 25)
        out.append((rng.randint(1, 4), start, start + rng.randint(1, 5)))
    return out


@pytest.mark.parametrize("seed", range(40))
def test_prune_longest_is_medspacys_pruning(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(50):
        matches = _random_matches(rng)
        assert prune_longest(list(matches)) == prune_overlapping_matches(list(matches))


@pytest.mark.parametrize(("pipe", "attribute"), [("opnote_targets", "matcher"), ("opnote_targets", "exact_matcher"), ("opnote_context", "context")])
def test_rule_matcher_gives_the_components_matches(pipeline, pipe: str, attribute: str) -> None:
    component = getattr(pipeline.get_pipe(pipe), attribute)
    inner = getattr(component, "_ConText__matcher" if attribute == "context" else "_TargetMatcher__matcher")
    ours = RuleMatcher(component)
    texts = [json.loads(line)["text"] for line in GOLD.read_text().splitlines()[:40]]
    for doc in pipeline.pipe(texts):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"\[W036\]")
            expected = inner(doc)
        got = ours(doc)
        assert got == expected
        assert [ours.rules[m].literal for m, _, _ in got] == [inner.rule_map[doc.vocab.strings[m]].literal for m, _, _ in expected]
