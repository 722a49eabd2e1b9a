"""Case-blind patterns run case-sensitively over the lower-cased text of an ASCII note (speed only).

re matches a case-blind (IGNORECASE) pattern markedly slower than a case-sensitive one, and several
linking patterns scan a whole note or every sentence of it.  For an ASCII text, lower-casing changes
only A-Z and keeps every offset, so a pattern with no upper-case letter outside an escape finds the
same matches there (the same spans; groups lower-cased) without IGNORECASE.  Callers read the groups
case-blind (they lower-case them) or not at all; a note that is not ASCII runs the pattern as written.
"""

from __future__ import annotations

import re


def case_sensitive(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """``pattern`` without IGNORECASE, for lower-cased text (refused when it holds an upper-case letter)."""
    if any(c.isupper() for c in re.sub(r"\\.", "", pattern.pattern)):
        raise ValueError(f"an upper-case letter outside an escape: {pattern.pattern}")
    return re.compile(pattern.pattern, pattern.flags & ~re.IGNORECASE)


def lowered_ascii(text: str) -> str | None:
    """``text.lower()`` when ``text`` is ASCII (the offsets are kept), else None."""
    return text.lower() if text.isascii() else None
