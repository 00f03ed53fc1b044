"""The directory's typed SUD-care columns as HSDS attributes: which (code, value) pairs a row carries.

API records and exports both describe these columns as attributes of the `sud-care-attributes`
taxonomy, so they must agree; importing turns the attributes back into the columns.
"""

from __future__ import annotations

import uuid
from typing import Any

from directory.taxonomy.categories import ATTRIBUTE_TAXONOMY_NAME, ATTRIBUTE_TERMS, attribute_term_id
from kernel.bulk_rows import as_uuid, json_list

__all__ = ["attribute_taxonomy_rows", "typed_attribute_id", "typed_attribute_values"]

#: Flags where "unknown" (null) differs from "no", so a known false is worth saying.
TRI_STATE_FLAGS = ("accepting_new_patients", "accepts_moud_residents", "no_sobriety_requirement")
#: Flags that default to false, so only a true is worth saying.
DEFAULT_FALSE_FLAGS = ("same_day_induction", "telehealth", "walk_in")


def typed_attribute_values(row: dict[str, Any], entity: str) -> list[tuple[str, str]]:
    """(attribute code, value) pairs for a service, organization or location row."""
    pairs: list[tuple[str, str]] = []
    if entity == "service":
        pairs += [("medication", m) for m in json_list(row["medications"])]
        pairs += [("payment_accepted", p) for p in json_list(row["payment_accepted"])]
        pairs += [(code, "true" if row[code] else "false") for code in TRI_STATE_FLAGS if row[code] is not None]
        pairs += [(code, "true") for code in DEFAULT_FALSE_FLAGS if row[code]]
    elif entity == "organization":
        if row["is_sample_data"]:
            pairs.append(("sample_data", "true"))
        if row["data_source"]:
            pairs.append(("data_source", row["data_source"]))
    elif entity == "location" and row["is_confidential"]:
        pairs.append(("confidential_location", "true"))
    return pairs


def typed_attribute_id(link_id: Any, code: str, value: str) -> uuid.UUID:
    """A stable attribute id, so exports of the same directory agree."""
    return uuid.uuid5(as_uuid(link_id), f"{code}:{value}")


def attribute_taxonomy_rows() -> list[dict[str, Any]]:
    """HSDS taxonomy_term rows describing the SUD-care attributes (for export)."""
    return [
        {
            "id": str(attribute_term_id(code)),
            "code": code,
            "name": code.replace("_", " "),
            "description": description,
            "taxonomy": ATTRIBUTE_TAXONOMY_NAME,
        }
        for code, (_entity, description) in ATTRIBUTE_TERMS.items()
    ]
