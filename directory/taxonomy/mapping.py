"""Categories from any taxonomy: AIRS / 211 LA codes, Open Eligibility and HSDS 1.x free-text names are
mapped to the directory's categories by the rules in directory/data/taxonomy_mapping.csv, plus the ones
added from the CLI (`directory-admin taxonomy map`), which win.

An AIRS code maps only through codes the table lists explicitly (the code itself or its nearest listed
ancestor, BT-4500.6500-500 -> BT-4500.6500 -> BT-4500), never through a section that mixes kinds (BT holds
both local transportation and consulates). AIRS target populations (the Y section) are not categories: they
say who a service is for, and the listing shows them (`population_label`).

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

from directory.listings.facts import SUD_CATEGORIES, SUD_SUBCATEGORIES
from directory.search.folding import folded
from directory.tables import Attribute, SearchDocument, Service, TaxonomyMapping, TaxonomyTerm
from directory.taxonomy.categories import ATTRIBUTE_TAXONOMY_NAME, CATEGORY_CODES, TAXONOMY_NAME
from kernel.bulk_rows import as_uuid, json_list, select_where_in
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
    "population_label",
    "reindex",
    "shipped_rules",
    "unmapped_terms",
]

MAPPING_FILE = PROJECT_ROOT / "directory" / "data" / "taxonomy_mapping.csv"
OWN_TAXONOMIES = (TAXONOMY_NAME, ATTRIBUTE_TAXONOMY_NAME)
NO_CATEGORY = "-"
"""In the mapping file: this code or name is explicitly no category (keywords and parents do not apply)."""
#: One AIRS code: a section (BT), a term (BT-4500), and its finer levels (BT-4500.6500-500, RP-1400.8000-020.15).
AIRS_CODE = re.compile(r"[A-Z]{1,2}(-\d{4}(\.\d{3,4})?(-\d{3})?(\.\d{2,3})?)?")


def _require_category(category: str) -> None:
    if category not in CATEGORY_CODES:
        raise ValueError(f"{category!r} is not a category (known: {', '.join(sorted(CATEGORY_CODES))})")


def normalised(text: str) -> str:
    """Lower case, no accents, '&' as 'and', no punctuation: 'Addiction & Recovery' -> 'addiction and recovery'."""
    return " ".join(re.sub(r"[^\w]+", " ", folded(text.replace("&", " and "))).split())


def code_parts(code: str | None) -> list[str]:
    """The codes in a term's code: 'BH-1800.8500 * YN-9000' (a service for a population) is two."""
    return [part.strip().upper() for part in (code or "").split("*") if part.strip()]


def is_airs_code(code: str | None) -> bool:
    """Whether a term's code is an AIRS code (or a combination of them): its place in AIRS is in the code."""
    parts = code_parts(code)
    return bool(parts) and all(AIRS_CODE.fullmatch(part) for part in parts)


def _code_ancestors(code: str) -> Iterable[str]:
    """The code and its ancestors, the nearest first: RX-8450.5000-600 -> RX-8450.5000 -> RX-8450 -> RX -> R (an
    AIRS section's letter only for an AIRS code)."""
    while code:
        yield code
        if re.search(r"[.-]", code):
            code = re.sub(r"[.-][^.-]*$", "", code)
        else:
            code = code[0] if len(code) == 2 and AIRS_CODE.fullmatch(code) else ""


def _sud_related(category: str) -> bool:
    return category in SUD_SUBCATEGORIES or category.split(".")[0] in SUD_CATEGORIES


def _narrower(category: str, than: str) -> bool:
    """Whether `category` says more within `than` ('moud.methadone' within 'moud')."""
    return category.startswith(than + ".")


@dataclass
class MappingRules:
    """Listed codes, whole names and keywords, each to a category code (or NO_CATEGORY); population codes and
    names."""

    codes: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    keywords: list[tuple[re.Pattern[str], str]] = field(default_factory=list)
    population_codes: set[str] = field(default_factory=set)
    population_names: set[str] = field(default_factory=set)

    def add(self, kind: str, match: str, category: str) -> None:
        """Add one rule of the mapping file."""
        if kind in ("code", "name", "keyword") and category != NO_CATEGORY:
            _require_category(category)
        if kind == "code":
            self.codes[match.strip().upper()] = category
        elif kind == "name":
            self.names[normalised(match)] = category
        elif kind == "keyword":
            # A keyword matches its plural too ('community health center' in 'Community Health Centers').
            self.keywords.append((re.compile(rf"\b{re.escape(normalised(match))}(?:s|es)?\b"), category))
            self.keywords.sort(key=lambda rule: -len(rule[0].pattern))
        elif kind == "population_code":
            self.population_codes.add(match.strip().upper())
        elif kind == "population_name":
            self.population_names.add(normalised(match))
        else:
            raise ValueError(
                f"unknown kind of mapping rule {kind!r} (code, name, keyword, population_code or population_name)"
            )

    def is_population(self, code: str | None, name: str | None) -> bool:
        """A term that says who a service is for (AIRS Y codes; a population's name), not what it offers."""
        parts = code_parts(code)
        if parts:
            return all(self._population_code(part) for part in parts)
        return normalised(name or "") in self.population_names

    def category_for(self, code: str | None, name: str | None) -> str | None:
        """The category of a term by its own code and name (not its parent's); None when it has none."""
        category = self.rule_for(code, name)
        return None if category == NO_CATEGORY else category

    def rule_for(self, code: str | None, name: str | None) -> str | None:
        """The category a term's own code and name give, NO_CATEGORY when the table says it has none."""
        if self.is_population(code, name):
            return None
        services = [part for part in code_parts(code) if not self._population_code(part)]
        listed, exact = self._listed_code(services[0]) if services else (None, False)
        by_name = self.names.get(normalised(name or ""))
        refinement = by_name or self._by_keyword(name)
        if listed is None:
            return refinement
        if listed != NO_CATEGORY and refinement and refinement != NO_CATEGORY and _narrower(refinement, listed):
            return refinement
        # A name saying SUD care or harm reduction ('Naloxone Distribution' under a general health section) is that,
        # whatever broad section its code sits in: moving it into the SUD categories only asks more consent.
        if (
            not exact
            and listed != NO_CATEGORY
            and refinement
            and refinement != NO_CATEGORY
            and _sud_related(refinement)
            and not _sud_related(listed)
        ):
            return refinement
        # A whole name the table knows says more than a listed ancestor of the code ('Case Management' under a
        # mental health code is case management), but never takes an SUD service out of the SUD categories: a
        # referral to it tells that the client uses drugs, whatever its name.
        if (
            not exact
            and by_name
            and by_name != NO_CATEGORY
            and not (_sud_related(listed) and not _sud_related(by_name))
        ):
            return by_name
        return listed

    def _population_code(self, code: str) -> bool:
        if not AIRS_CODE.fullmatch(code):
            return False
        return any(ancestor in self.population_codes for ancestor in _code_ancestors(code))

    def _listed_code(self, code: str) -> tuple[str | None, bool]:
        """The category of the nearest listed code among the code and its ancestors, and whether it is the code's
        own."""
        for ancestor in _code_ancestors(code):
            if ancestor in self.codes:
                return self.codes[ancestor], ancestor == code
        return None, False

    def _by_keyword(self, name: str | None) -> str | None:
        text = normalised(name or "")
        for pattern, category in self.keywords:
            if text and pattern.search(text):
                return category
        return None

    def population_label(self, code: str | None, name: str | None) -> str | None:
        """Who a term says a service is for, in the term's own words: 'Veterans' for YN-9000 'Veterans', and for a
        combined term 'Homeless Shelter * Veterans' (BH-1800.8500 * YN-9000) the population's part."""
        parts = code_parts(code)
        if not any(self._population_code(part) for part in parts) and not self.is_population(code, name):
            return None
        names = [part.strip() for part in (name or "").split("*")]
        if len(parts) > 1 and len(names) == len(parts):
            labels = [label for part, label in zip(parts, names, strict=True) if self._population_code(part)]
            return ", ".join(label for label in labels if label) or None
        return (name or "").strip() if self.is_population(code, name) else None


@cache
def _shipped_rules() -> tuple[tuple[str, str, str], ...]:
    with MAPPING_FILE.open(newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["kind"] and not r["kind"].startswith("#")]
    return tuple((r["kind"], r["match"], r["category"]) for r in rows)


@cache
def _rules_from(rows: tuple[tuple[str, str, str], ...]) -> MappingRules:
    rules = MappingRules()
    for kind, match, category in rows:
        rules.add(kind, match, category)
    return rules


def shipped_rules() -> MappingRules:
    """The rules of the mapping file (read once)."""
    return _rules_from(_shipped_rules())


def population_label(term: dict[str, Any]) -> str | None:
    """Who a taxonomy term says a service is for (an AIRS target population), or None: listings show it."""
    if term.get("taxonomy") in OWN_TAXONOMIES:
        return None
    return shipped_rules().population_label(term.get("code"), term.get("name"))


@dataclass(frozen=True)
class _Override:
    match: str
    taxonomy: str | None
    category: str


async def load_rules() -> tuple[MappingRules, list[_Override]]:
    """The shipped rules, and the CLI's additions (which are checked first)."""
    rules = shipped_rules()
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
    """Set `category` on each term dict: its own match, else (for a term without an AIRS code) its nearest mapped
    ancestor's. An AIRS term's ancestry is in its code, which its own match already followed; a population term
    and an explicitly unmapped one have none.

    `parents` gives categories of terms outside `terms` (already in the database) by id.
    """
    own: dict[Any, str | None] = {}
    final: set[Any] = set()
    for term in terms:
        code, name = term.get("code"), term.get("name")
        if term.get("taxonomy") in OWN_TAXONOMIES:
            own[term["id"]] = code if code in CATEGORY_CODES else None
            continue
        override = _override_for(term, overrides)
        own[term["id"]] = override or rules.rule_for(code, name)
        if not override and (is_airs_code(code) or rules.is_population(code, name) or own[term["id"]]):
            final.add(term["id"])
    by_id = {term["id"]: term for term in terms}
    known = dict(parents or {})
    for term in terms:
        category, ancestor, hops = own[term["id"]], term.get("parent_id"), 0
        while category is None and term["id"] not in final and ancestor is not None and hops < 20:
            category = own.get(ancestor) if ancestor in own else known.get(ancestor)
            ancestor = by_id[ancestor].get("parent_id") if ancestor in by_id else None
            hops += 1
        term["category"] = None if category == NO_CATEGORY else category


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
    """A term services use that maps to no category, with the listings it leaves without one."""

    id: uuid.UUID
    taxonomy: str | None
    code: str | None
    name: str
    uncategorized_listings: int
    """Active listings carrying the term that have no category at all."""
    listings: int
    """All active listings carrying the term."""


async def unmapped_terms() -> list[UnmappedTerm]:
    """Terms used by services that map to no category (population terms aside: they are shown as who a service is
    for), the ones leaving the most listings without any category first."""
    rules = shipped_rules()
    outside = {
        as_uuid(t["id"]): t
        for t in await TaxonomyTerm.select().where(TaxonomyTerm.category.is_null())
        if t["taxonomy"] not in OWN_TAXONOMIES and not rules.is_population(t["code"], t["name"])
    }
    services_of: dict[uuid.UUID, set[uuid.UUID]] = {}
    for row in await select_where_in(
        Attribute, "taxonomy_term", list(outside), columns=["taxonomy_term", "link_id", "link_entity"]
    ):
        if (row["link_entity"] or "service") == "service":
            services_of.setdefault(as_uuid(row["taxonomy_term"]), set()).add(as_uuid(row["link_id"]))
    listings, uncategorized = await _listings_by_service({s for ids in services_of.values() for s in ids})
    unmapped = [
        UnmappedTerm(
            id=term_id,
            taxonomy=outside[term_id]["taxonomy"],
            code=outside[term_id]["code"],
            name=outside[term_id]["name"],
            uncategorized_listings=sum(uncategorized.get(s, 0) for s in service_ids),
            listings=sum(listings.get(s, 0) for s in service_ids),
        )
        for term_id, service_ids in services_of.items()
    ]
    return sorted(unmapped, key=lambda t: (-t.uncategorized_listings, -t.listings, t.code or "", t.name))


async def _listings_by_service(service_ids: set[uuid.UUID]) -> tuple[dict[uuid.UUID, int], dict[uuid.UUID, int]]:
    """Active listings per service, and those of them without any category."""
    listings: dict[uuid.UUID, int] = {}
    uncategorized: dict[uuid.UUID, int] = {}
    columns = ["service_id", "categories", "is_active"]
    for row in await select_where_in(SearchDocument, "service_id", list(service_ids), columns=columns):
        if not row["is_active"]:
            continue
        service_id = as_uuid(row["service_id"])
        listings[service_id] = listings.get(service_id, 0) + 1
        if not json_list(row["categories"]):
            uncategorized[service_id] = uncategorized.get(service_id, 0) + 1
    return listings, uncategorized


async def map_terms(match: str, category: str, taxonomy: str | None = None) -> tuple[int, int]:
    """Map terms whose code starts with `match`, or whose name is `match`, to `category`, and rebuild the
    listings that changed, in one transaction; a later mapping of the same text replaces an earlier one.
    Returns (terms whose category changed, services re-indexed)."""
    from directory.search.documents import refresh_search_documents

    async with write_transaction(TaxonomyTerm._meta.db):
        await _add_mapping(match, category, taxonomy)
        changed, services = await remap_terms()
        if services:
            await refresh_search_documents(services)
    return changed, len(services)


async def reindex(progress: Progress | None = None) -> int:
    """Re-apply the mapping to every term and rebuild every listing (after the mapping file changed);
    returns how many services were indexed."""
    from directory.search.documents import refresh_search_documents

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
