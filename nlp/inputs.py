"""Check a raw note before it reaches the pipeline.

Every problem becomes an :class:`~nlp.errors.InputError` whose message says what is wrong and
what to do, and never quotes the note (notes are PHI).
"""

from __future__ import annotations

import re

MAX_NOTE_CHARS = 200_000
"""Longest note accepted by default: op notes are a few thousand characters; a longer "note" is
almost always a whole export or a binary file passed by mistake."""

# Control characters other than line breaks and tabs, and the replacement character that a
# lossy decode leaves behind: a few are noise, many mean the "note" is a binary file.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\ufffd]")
# An unpaired surrogate: JSON can carry one as an escape ("\\udc80"), but it is not text and
# cannot be written back out as UTF-8.
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def decode_note(raw: bytes) -> str:
    """Decode bytes as UTF-8 (a BOM is dropped), or raise an InputError."""
    from nlp.errors import InputError

    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"note is not valid UTF-8 (first bad byte at offset {exc.start}); re-export it as UTF-8 text"
        ) from None


def validate_note(text: object, *, max_chars: int = MAX_NOTE_CHARS) -> str:
    """Return the note text if it can be coded; raise :class:`InputError` otherwise."""
    from nlp.errors import InputError

    if isinstance(text, (bytes, bytearray)):
        text = decode_note(bytes(text))
    if not isinstance(text, str):
        raise InputError(f"note must be text, got {type(text).__name__}; pass the note as a string")
    if not text.strip():
        raise InputError("note is empty or only whitespace; nothing to code")
    if len(text) > max_chars:
        raise InputError(
            f"note has {len(text):,} characters, over the limit of {max_chars:,}; "
            "split the file into single notes or raise the limit (max_chars / --max-chars)"
        )
    sample = text[:4096]
    control = len(_CONTROL.findall(sample))
    if "\x00" in sample or control > max(8, len(sample) // 50):
        raise InputError("note looks like binary data, not text (control characters found); pass a plain-text note")
    if LONE_SURROGATE.search(text):
        raise InputError("note holds an unpaired surrogate (an escape such as \\udc80 in JSON), which is not text; fix the export")
    return text
