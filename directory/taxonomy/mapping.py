"""Categories from any taxonomy: AIRS / 211 LA codes, Open Eligibility and HSDS 1.x free-text names are
mapped to the directory's categories by the rules in directory/data/taxonomy_mapping.csv, plus the ones
added from the CLI (`directory-admin taxonomy map`), which win.

A term's category is stored on the term (`TaxonomyTerm.category`), so search documents read it directly;
`remap_terms` recomputes it for every term and returns the services whose listings must be rebuilt.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from directory.search.documents import refresh_search_documents
from directory.search.folding import folded
from directory.tables import Attribute, Service, TaxonomyMapping, TaxonomyTerm
from directory.taxonomy.categories import ATTRIBUTE_TAXONOMY_NAME, CATEGORY_CODES, TAXONOMY_NAME
from kernel.bulk_rows import as_uuid, select_where_in
from kernel.database import write_transaction
from kernel.progress import Progress
from kernel.settings import PROJECT_ROOT

__all__ = [
    "MAPPING_FILE",
    "MappingRules",
    "UnmappedTerm",
    "assign_categories",
    "load_rules",
    "map_terms",
    "reindex",
    "unmapped_terms",
]

MAPPING_FILE = PROJECT_ROOT / "directory" / "data" / "taxonomy_mapping.csv"
OWN_TAXONOMIES = (TAXONOMY_NAME, ATTRIBUTE_TAXONOMY_NAME)


def _require_category(category: str) -> None:
    if category not in CATEGORY_CODES:
        raise ValueError(f"{category!r} is not a category (known: {', '.join(sorted(CATEGORY_CODES))})")


def normalised(text: str) -> str:
    """Lower case, no accents, '&' as 'and', no punctuation: 'Addiction & Recovery' -> 'addiction and recovery'."""
    return " ".join(re.sub(r"[^\w]+", " ", folded(text.replace("&", " and "))).split())


@dataclass
class MappingRules:
    """Code prefixes, whole names and keywords, each to a category code."""

    codes: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    keywords: list[tuple[re.Pattern[str], str]] = field(default_factory=list)

    def add(self, kind: str, match: str, category: str) -> None:
        _require_category(category)
        if kind == "code":
            self.codes[match.strip().upper()] = category
        elif kind == "name":
            self.names[normalised(match)] = category
        elif kind == "keyword":
            # A keyword matches its plural too ('community health center' in 'Community Health Centers').
            self.keywords.append((re.compile(rf"\b{re.escape(normalised(match))}(?:s|es)?\b"), category))
            self.keywords.sort(key=lambda rule: -len(rule[0].pattern))
        else:
            raise ValueError(f"unknown kind of mapping rule {kind!r} (code, name or keyword)")

    def category_for(self, code: str | None, name: str | None) -> str | None:
        """The category of a term by its own code and name (not its parent's)."""
        by_code = self._by_code(code)
        by_name = self._by_name(name)
        # A code known only to its top level ('RX') yields to a name that says more ('Methadone Maintenance').
        if by_code and by_name and "." not in by_code and by_name.split(".")[0] == by_code:
            return by_name
        return by_code or by_name

    def _by_code(self, code: str | None) -> str | None:
        code = (code or "").strip().upper()
        while code:
            if code in self.codes:
                return self.codes[code]
            code = re.sub(r"[.-][^.-]*$", "", code) if re.search(r"[.-]", code) else ""
        return None

    def _by_name(self, name: str | None) -> str | None:
        text = normalised(name or "")
        if not text:
            return None
        if text in self.names:
            return self.names[text]
        for pattern, category in self.keywords:
            if pattern.search(text):
                return category
        return None


@cache
def _shipped_rules() -> tuple[tuple[str, str, str], ...]:
    with MAPPING_FILE.open(newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["kind"] and not r["kind"].startswith("#")]
    return tuple((r["kind"], r["match"], r["category"]) for r in rows)


@dataclass(frozen=True)
class _Override:
    match: str
    taxonomy: str | None
    category: str


async def load_rules() -> tuple[MappingRules, list[_Override]]:
    """The shipped rules, and the CLI's additions (which are checked first)."""
    rules = MappingRules()
    for kind, match, category in _shipped_rules():
        rules.add(kind, match, category)
    overrides = [
        _Override(r["match"], r["taxonomy"], r["category"])
        for r in await TaxonomyMapping.select().order_by(TaxonomyMapping.created_at)
    ]
    return rules, overrides


def _override_for(term: dict[str, Any], overrides: list[_Override]) -> str | None:
    """The CLI mapping for a term: its whole name, else the longest code prefix (as in the shipped rules);
    one for the term's own taxonomy beats one for any taxonomy."""
    code = (term.get("code") or "").upper()
    name = normalised(term.get("name") or "")
    candidates: list[tuple[tuple[int, int, int], int, str]] = []
    for order, override in enumerate(overrides):
        if override.taxonomy and override.taxonomy != term.get("taxonomy"):
            continue
        match = override.match.strip()
        if name == normalised(match):
            candidates.append(((1, bool(override.taxonomy), 0), order, override.category))
        elif code and code.startswith(match.upper()):
            candidates.append(((0, bool(override.taxonomy), len(match)), order, override.category))
    # The most specific wins; between equals, the later addition.
    return max(candidates)[2] if candidates else None


def assign_categories(
    terms: list[dict[str, Any]], rules: MappingRules, overrides: list[_Override], parents: dict[Any, Any] | None = None
) -> None:
    """Set `category` on each term dict: its own match, else its nearest mapped ancestor's.

    `parents` gives categories of terms outside `terms` (already in the database) by id.
    """
    own: dict[Any, str | None] = {}
    for term in terms:
        if term.get("taxonomy") in OWN_TAXONOMIES:
            own[term["id"]] = term.get("code") if term.get("code") in CATEGORY_CODES else None
        else:
            own[term["id"]] = _override_for(term, overrides) or rules.category_for(term.get("code"), term.get("name"))
    by_id = {term["id"]: term for term in terms}
    known = dict(parents or {})
    for term in terms:
        category, ancestor, hops = own[term["id"]], term.get("parent_id"), 0
        while category is None and ancestor is not None and hops < 20:
            category = own.get(ancestor) if ancestor in own else known.get(ancestor)
            ancestor = by_id[ancestor].get("parent_id") if ancestor in by_id else None
            hops += 1
        term["category"] = category


async def remap_terms() -> tuple[int, list[uuid.UUID]]:
    """Recompute every term's category; returns how many terms changed and the services using them."""
    rules, overrides = await load_rules()
    terms = await TaxonomyTerm.select(
        TaxonomyTerm.id,
        TaxonomyTerm.code,
        TaxonomyTerm.name,
        TaxonomyTerm.taxonomy,
        TaxonomyTerm.parent_id,
        TaxonomyTerm.category,
    )
    before = {as_uuid(t["id"]): t["category"] for t in terms}
    assign_categories(terms, rules, overrides)
    changed = [t for t in terms if before[as_uuid(t["id"])] != t["category"]]
    for term in changed:
        await TaxonomyTerm.update({TaxonomyTerm.category: term["category"]}).where(TaxonomyTerm.id == term["id"])
    return len(changed), await services_using([as_uuid(t["id"]) for t in changed])


async def services_using(term_ids: Iterable[uuid.UUID]) -> list[uuid.UUID]:
    """Services with an attribute of one of these terms."""
    rows = await select_where_in(Attribute, "taxonomy_term", list(term_ids), columns=["link_id", "link_entity"])
    return sorted({as_uuid(r["link_id"]) for r in rows if (r["link_entity"] or "service") == "service"})


@dataclass(frozen=True)
class UnmappedTerm:
    """A term services use that maps to no category."""

    id: uuid.UUID
    taxonomy: str | None
    code: str | None
    name: str
    services: int


async def unmapped_terms() -> list[UnmappedTerm]:
    """Terms used by services that map to no category, the most used first."""
    terms = await TaxonomyTerm.select().where(TaxonomyTerm.category.is_null())
    outside = {as_uuid(t["id"]): t for t in terms if t["taxonomy"] not in OWN_TAXONOMIES}
    counts: dict[uuid.UUID, set[uuid.UUID]] = {}
    for row in await select_where_in(Attribute, "taxonomy_term", list(outside), columns=["taxonomy_term", "link_id"]):
        counts.setdefault(as_uuid(row["taxonomy_term"]), set()).add(as_uuid(row["link_id"]))
    unmapped = [
        UnmappedTerm(term_id, outside[term_id]["taxonomy"], outside[term_id]["code"], outside[term_id]["name"], len(s))
        for term_id, s in counts.items()
    ]
    return sorted(unmapped, key=lambda t: (-t.services, t.code or "", t.name))


async def map_terms(match: str, category: str, taxonomy: str | None = None) -> tuple[int, int]:
    """Map terms whose code starts with `match`, or whose name is `match`, to `category`, and rebuild the
    listings that changed, in one transaction; a later mapping of the same text replaces an earlier one.
    Returns (terms whose category changed, services re-indexed)."""
    async with write_transaction(TaxonomyTerm._meta.db):
        await _add_mapping(match, category, taxonomy)
        changed, services = await remap_terms()
        if services:
            await refresh_search_documents(services)
    return changed, len(services)


async def reindex(progress: Progress | None = None) -> int:
    """Re-apply the mapping to every term and rebuild every listing (after the mapping file changed);
    returns how many services were indexed."""
    async with write_transaction(TaxonomyTerm._meta.db):
        await remap_terms()
        service_ids = [as_uuid(r["id"]) for r in await Service.select(Service.id)]
        await refresh_search_documents(service_ids, progress=progress)
    return len(service_ids)


async def _add_mapping(match: str, category: str, taxonomy: str | None) -> None:
    _require_category(category)
    if not re.search(r"\w", match):
        raise ValueError(f"{match!r} is neither a code prefix nor a term name (give letters or digits)")
    condition = (TaxonomyMapping.match == match.strip()) & (
        TaxonomyMapping.taxonomy.is_null() if taxonomy is None else TaxonomyMapping.taxonomy == taxonomy
    )
    await TaxonomyMapping.delete().where(condition)
    await TaxonomyMapping.insert(
        TaxonomyMapping(
            id=uuid.uuid4(),
            match=match.strip(),
            taxonomy=taxonomy,
            category=category,
            created_at=dt.datetime.now(dt.UTC),
        )
    )
