"""Rows every directory needs before any import: the category taxonomy and the revision counter."""

from __future__ import annotations

from directory.tables import DirectoryRevision, TaxonomyTerm
from directory.taxonomy.categories import (
    ATTRIBUTE_TAXONOMY_NAME,
    ATTRIBUTE_TERMS,
    CATEGORIES,
    TAXONOMY_NAME,
    attribute_term_id,
    term_id,
)

__all__ = ["install_reference_data"]


async def install_reference_data() -> None:
    """Create or update the taxonomy terms and the revision row; safe to run at every start."""
    rows = [
        TaxonomyTerm(
            id=term_id(term.code),
            code=term.code,
            name=term.name,
            description=term.description,
            parent_id=term_id(term.parent_code) if term.parent_code else None,
            taxonomy=TAXONOMY_NAME,
            language="en",
        )
        for term in CATEGORIES
    ] + [
        TaxonomyTerm(
            id=attribute_term_id(code),
            code=code,
            name=code.replace("_", " "),
            description=description,
            taxonomy=ATTRIBUTE_TAXONOMY_NAME,
            language="en",
        )
        for code, (_entity, description) in ATTRIBUTE_TERMS.items()
    ]
    await TaxonomyTerm.insert(*rows).on_conflict(
        target=TaxonomyTerm.id,
        action="DO UPDATE",
        values=[
            TaxonomyTerm.code,
            TaxonomyTerm.name,
            TaxonomyTerm.description,
            TaxonomyTerm.parent_id,
            TaxonomyTerm.taxonomy,
            TaxonomyTerm.language,
        ],
    )
    await DirectoryRevision.insert(DirectoryRevision(id=1, revision=0)).on_conflict(action="DO NOTHING")
