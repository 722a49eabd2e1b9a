"""An offer the patient accepted and the note then carried out is today's procedure.

"Offered LN2 and she agreed; the four AKs on the scalp were frozen", "Discussed cryotherapy,
patient wishes to proceed. Four AKs were treated": ConText's offer and discussion cues
('offered', 'was discussed', 'options include', the text rule ``ctx.plan.offered_before``) mark
the procedure planned, which is right while it has only been offered ("offered LN2, which she
declined", "offered LN2; will think about it").  An ACCEPTED text rule names those cues
(``cancels``) and matches the patient's acceptance after the mention, in its sentence or the
next ("and she agreed", "patient wishes to proceed", "consent obtained").  The mention is
asserted again when all of these hold:

* every cue that made it hypothetical is one the rule cancels: a "will", "next visit" or "if"
  still plans it;
* at most one procedure is named from its sentence's start to the acceptance: an acceptance
  after "excision or ED&C" does not say which;
* the acceptance is followed, in its own sentence or the next, by the work being done: a ConText
  PERFORMED cue ("were frozen", "was performed") or a procedure asserted as today's.  "She
  agreed; we will freeze them at her next visit" stays planned.
"""

from __future__ import annotations

from bisect import bisect_right

from spacy.tokens import Doc, Span

from nlp.pipeline.spanvalues import get_span_value, set_span_value
from nlp.pipeline.textrules import TextRule

HYPOTHETICAL = "HYPOTHETICAL"
PERFORMED = "PERFORMED"
_OTHER_FLAGS = ("is_negated", "is_hypothetical", "is_historical", "is_family")


def accept_offers(
    doc: Doc, text: str, spans: list[Span], rules: list[TextRule], fired: dict[tuple[int, int], set[str]],
    sentence_ids: list[int], sentence_spans: list[tuple[int, int]],
) -> None:
    """Clear ``is_hypothetical`` on offered mentions the patient accepted and the note carried out."""
    offered = [span for span in spans if get_span_value(doc, span, "is_hypothetical", False)]
    if not offered or not rules:
        return
    done_at: list[int] | None = None  # where the note says work was done: PERFORMED cues, asserted procedures
    procedures = [span.start_char for span in spans if span.label_ == "PROCEDURE"]
    sentence_starts = [start for start, _ in sentence_spans]
    for span in offered:
        cues = fired.get((span.start_char, span.end_char), set()) | {
            modifier.rule.literal.lower() for modifier in get_span_value(doc, span, "modifiers", ()) if modifier.category == HYPOTHETICAL
        }
        sentence = sentence_ids[span.start]
        following_end = sentence_spans[min(sentence + 1, len(sentence_spans) - 1)][1]
        for rule in rules:
            if span.label_ not in rule.allowed or not cues or not cues <= rule.cancels:
                continue
            match = rule.regex.search(text[span.end_char : following_end])
            if match is None:
                continue
            accepted_at = span.end_char + match.end()
            first = sentence_spans[sentence][0]
            if sum(first <= start < accepted_at for start in procedures) > 1:
                continue
            if done_at is None:
                done_at = _done_at(doc, spans)
            accepted_in = bisect_right(sentence_starts, accepted_at - 1) - 1
            done_end = sentence_spans[min(accepted_in + 1, len(sentence_spans) - 1)][1]
            if any(accepted_at <= at < done_end for at in done_at):
                set_span_value(doc, span, "is_hypothetical", False)
                break


def _done_at(doc: Doc, spans: list[Span]) -> list[int]:
    """Offsets of the PERFORMED cues and of the procedures asserted as done."""
    graph = doc._.context_graph
    out = [doc[modifier.modifier_span[0]].idx for modifier in (graph.modifiers if graph is not None else ()) if modifier.category == PERFORMED]
    out += [
        span.start_char for span in spans
        if span.label_ == "PROCEDURE" and not any(get_span_value(doc, span, flag, False) for flag in _OTHER_FLAGS)
    ]
    return out
