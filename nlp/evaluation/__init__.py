"""Scoring predictions against gold-annotated notes (``annotations/*.jsonl``)."""
