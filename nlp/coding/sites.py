"""Resolve a lesion's site region to the code-table groups (``sites.yaml``)."""

from __future__ import annotations

from dataclasses import dataclass

from nlp.coding import schema
from nlp.coding.checks import ALL, CheckLog
from nlp.coding.tables import Tables
from nlp.records import Lesion, Site


@dataclass(frozen=True)
class ResolvedSite:
    """A lesion site with its row of ``sites.yaml``."""

    site: Site
    row: schema.Region

    @property
    def label(self) -> str:
        """Normalised words for rationales and queries, e.g. ``left lower eyelid``.

        Built from the region key and normalised laterality/eyelid part only, so no free note
        text leaks into messages.
        """
        words = []
        if self.site.laterality in ("left", "right"):
            words.append(self.site.laterality)
        if self.site.eyelid_part and self.row.region == "eyelid":
            words.append(self.site.eyelid_part)
        words.append(self.row.region)
        return " ".join(words)

    def unverified(self, field: schema.SiteField) -> bool:
        """True when the reference marks this region's ``field`` mapping unverified."""
        return field in self.row.unverified


def resolve_site(lesion: Lesion, tables: Tables, log: CheckLog) -> ResolvedSite | None:
    """The lesion's site row, or ``None`` (raising SITE_MISSING / SITE_UNMAPPED)."""
    if lesion.site is None:
        log.add("query.site_missing", lesion.index, ALL)
        return None
    row = tables.regions.get(lesion.site.region)
    if row is None:
        log.add("query.site_unmapped", lesion.index, ALL, detail=lesion.site.region)
        return None
    return ResolvedSite(lesion.site, row)


def site_words(resolved: ResolvedSite | None) -> str:
    """Label for messages when the site may be missing."""
    return resolved.label if resolved else "site not documented"
