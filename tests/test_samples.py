"""The five sample notes of the README quick start get the codes annotations/README.md lists."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[1] / "annotations" / "samples"

EXPECTED = {
    "01_nevus_back_template.txt": (["11401"], ["D22.5"]),
    "02_bcc_nose_dictation.txt": (["11642", "12052"], ["C44.311"]),
    "03_sk_forearm_terse.txt": (["11401"], ["L82.0"]),
    "04_two_lesions_multi.txt": (["11622", "12042", "11402"], ["D04.62", "L72.0"]),
    "05_melanoma_arm_caps.txt": (["11604", "12034"], ["C43.61"]),
}


@pytest.mark.parametrize(("name", "expected"), sorted(EXPECTED.items()))
def test_sample_codes(coder, name: str, expected: tuple[list[str], list[str]]) -> None:
    record = coder.code((SAMPLES / name).read_text(), name)
    cpt = Counter(c.code for c in record.codes if c.system == "CPT" and c.status == "suggested" for _ in range(c.units))
    icd = {c.code for c in record.codes if c.system == "ICD-10-CM"}
    assert cpt == Counter(expected[0])
    assert icd == set(expected[1])


def test_every_sample_is_listed() -> None:
    assert sorted(p.name for p in SAMPLES.glob("*.txt")) == sorted(EXPECTED)
