"""opnote-coder: skin-lesion operative notes in, suggested CPT/ICD-10-CM codes with evidence out."""

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _dist_version

try:
    __version__ = _dist_version("opnote-coder")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
