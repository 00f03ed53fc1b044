"""A JSON body as its schema types it, without coercion: `false`, never `0`; a number, never `"5"`."""

from __future__ import annotations

import msgspec
from litestar import Request

from kernel.problems import FIELD_INVALID, Invalid

__all__ = ["require_exact_types"]


async def require_exact_types(request: Request, body_type: type) -> None:
    """400 naming the field when the body holds a value only lax decoding accepts (Litestar converts bodies
    leniently: `"may_contact": 0` would silently read as false, and the OpenAPI schema says boolean)."""
    try:
        msgspec.convert(await request.json(), body_type, strict=True)
    except msgspec.ValidationError as error:
        raise Invalid(FIELD_INVALID, field=None, problem=str(error)) from None
