"""Import medspaCy without its process-wide side effects.

``medspacy.common.medspacy_matcher`` calls ``warnings.filterwarnings("ignore")`` at import
time, which would silence every warning in the host program (including pytest's
``filterwarnings = error``).  Importing it inside ``warnings.catch_warnings()`` restores the
caller's filters afterwards.  PyRuSH, which medspaCy imports eagerly, logs whole tokens through
loguru at DEBUG level; note text is PHI, so that logger is disabled here, once, by name.
"""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    from medspacy.context import ConText, ConTextRule
    from medspacy.target_matcher import TargetMatcher, TargetRule

try:  # PyRuSH is optional for us but medspaCy pulls it in; silence its token-level logging.
    from loguru import logger as _loguru_logger

    _loguru_logger.disable("PyRuSH")
    _loguru_logger.disable("medspacy")
except ImportError:  # pragma: no cover - loguru is a medspaCy dependency
    pass

__all__ = ["ConText", "ConTextRule", "TargetMatcher", "TargetRule"]
