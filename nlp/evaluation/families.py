"""CPT code families from the code's numeric range.

The report groups codes by family so a new procedure family (flaps, Mohs, destruction ...) is
scored without a code change: the family follows from where the code sits in the CPT ranges.
"""

from __future__ import annotations

# (lowest, highest, family) over the integer value of five-digit CPT codes; first match wins.
FAMILY_RANGES: tuple[tuple[int, int, str], ...] = (
    (10040, 10180, "incision_drainage"),
    (11100, 11107, "biopsy"),
    (11200, 11201, "skin_tag"),
    (11300, 11313, "shave"),
    (11400, 11471, "benign_excision"),
    (11600, 11646, "malignant_excision"),
    (12001, 13160, "repair"),
    (14000, 14350, "tissue_transfer"),
    (15002, 15879, "flap_graft"),
    (17000, 17999, "destruction_mohs"),
)
OTHER = "other"


def cpt_family(code: str) -> str:
    """The family of a CPT code (``other`` for codes outside the ranges or not numeric)."""
    if not (len(code) == 5 and code.isdigit()):
        return OTHER
    value = int(code)
    for low, high, family in FAMILY_RANGES:
        if low <= value <= high:
            return family
    return OTHER
