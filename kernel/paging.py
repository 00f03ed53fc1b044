"""Paging for every list endpoint: the HSDS Page wrapper and the declared bounds of `page` and `per_page`."""

from __future__ import annotations

import math
from typing import Annotated, Generic, TypeVar

import msgspec
from litestar.params import QueryParameter

__all__ = ["MAX_PAGE", "MAX_PER_PAGE", "Page", "PageNumber", "PerPage", "make_page", "offset_of"]

T = TypeVar("T")

MAX_PER_PAGE = 100
"""The largest `per_page` any list accepts."""
MAX_PAGE = 1_000_000
"""Page numbers beyond this are refused (a million pages is more than any list here holds)."""

PageNumber = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE, description="Page number, from 1.")]
"""A `page` query parameter: 400 outside 1..MAX_PAGE, bounds shown in the OpenAPI schema."""


PerPage = Annotated[int, QueryParameter(ge=1, le=MAX_PER_PAGE, description="Results per page.")]
"""A `per_page` query parameter (its default is the handler's): 400 outside 1..MAX_PER_PAGE."""


class Page(msgspec.Struct, Generic[T], kw_only=True):
    """The HSDS Page wrapper around a list of results."""

    total_items: int
    total_pages: int
    page_number: int
    size: int
    first_page: bool
    last_page: bool
    empty: bool
    contents: list[T]


def offset_of(page: int, per_page: int) -> int:
    """Rows to skip to reach the first row of `page`."""
    return (page - 1) * per_page


def make_page(contents: list[T], total: int, page: int, per_page: int) -> Page[T]:
    """The HSDS Page wrapper for one page of a result set."""
    total_pages = max(1, math.ceil(total / per_page))
    return Page(
        total_items=total,
        total_pages=total_pages,
        page_number=page,
        size=len(contents),
        first_page=page == 1,
        last_page=page >= total_pages,
        empty=total == 0,
        contents=contents,
    )
