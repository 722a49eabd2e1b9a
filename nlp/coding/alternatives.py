"""Site-specific codes that compete with the skin excision codes (coding-rules.md section 3.6).

An eyelid excision involving the lid margin, tarsus or conjunctiva takes 67840, with the skin
excision code kept as the alternative; an eyelid excision of skin only keeps the skin code and
offers 67840 as the alternative.  Other site codes (ear with cartilage, oral vestibule mucosa)
are offered as alternatives beside the skin code, each with its rationale.
"""

from __future__ import annotations

from nlp.coding.context import LesionContext
from nlp.coding.lines import Draft
from nlp.coding.tables import Tables


def alternative_drafts(ctx: LesionContext, excision: Draft, tables: Tables) -> list[Draft]:
    """Site-specific lines for one excised lesion; may turn ``excision`` into the alternative."""
    if ctx.site is None:
        return []
    out = []
    for alt in tables.procedures.alternatives:
        if alt.region != ctx.site.row.region:
            continue
        involved = [s for s in ctx.site.site.involves if s in alt.when_involves]
        if alt.preferred_when_involved and involved:
            status = "suggested"
            part = (f"{ctx.site_label} lesion involving the {' and '.join(involved)}: the site-specific code describes it better "
                    f"than skin excision {excision.code}, which is kept as the alternative")
            excision.status = "alternative"
        elif alt.preferred_when_involved or involved or not alt.when_involves:
            status = "alternative"
            detail = f"involving the {' and '.join(involved)}" if involved else "of skin only"
            part = f"{ctx.site_label} lesion {detail}: some payers and coders prefer the site-specific code to {excision.code}"
        else:
            continue
        out.append(
            Draft(
                system="CPT", kind="excision", family="alternative" if status == "alternative" else "excision",
                code=alt.code, description=alt.label, rule=alt.id, lesions=[ctx.index], parts=[part], result=alt.code,
                evidence=list(excision.evidence), status=status, rank=(0, ctx.index),
            )
        )
    return out
