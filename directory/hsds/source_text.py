"""Free text as a source wrote it, made readable for a page: 211 exports write line breaks as a literal
backslash-n and mark weekdays as `###MON###`. The stored text keeps the source's own form."""

from __future__ import annotations

import re
from typing import Any

__all__ = ["listing_contacts", "readable_lines", "readable_text", "schedule_notes"]

_DAY_MARKER = re.compile(r"#{2,}\s*([A-Za-z]{2,12})\s*#{2,}")
_EMPTY_DAY = re.compile(r"[A-Za-z]{2,12}:")
_LITERAL_BREAK = re.compile(r"(?:\\r)?\\n|\r\n|\r|\n")
_DAY_NAMES = {
    "MON": "Mon",
    "MONDAY": "Mon",
    "TUE": "Tue",
    "TUES": "Tue",
    "TUESDAY": "Tue",
    "WED": "Wed",
    "WEDNESDAY": "Wed",
    "THU": "Thu",
    "THUR": "Thu",
    "THURS": "Thu",
    "THURSDAY": "Thu",
    "FRI": "Fri",
    "FRIDAY": "Fri",
    "SAT": "Sat",
    "SATURDAY": "Sat",
    "SUN": "Sun",
    "SUNDAY": "Sun",
}


def _marker(match: re.Match[str]) -> str:
    word = match.group(1).upper()
    return "\n" + _DAY_NAMES.get(word, word.capitalize()) + ": "


def readable_lines(text: str | None) -> list[str]:
    """The lines a person reads: literal `\\n` become breaks, `###MON###` starts a line `Mon:`, blanks go."""
    if not text:
        return []
    text = _DAY_MARKER.sub(_marker, _LITERAL_BREAK.sub("\n", text))
    lines = (re.sub(r"[ \t]+", " ", line).strip(" \t;/") for line in text.split("\n"))
    # A day marker with nothing after it (`###WED###` at the end) says nothing.
    return [line for line in lines if line and not _EMPTY_DAY.fullmatch(line)]


def readable_text(text: str | None) -> str:
    """`readable_lines` on one line, joined by '; '."""
    return "; ".join(readable_lines(text))


def schedule_notes(service: Any, service_at_location_id: str | None, shown: list[str]) -> list[str]:
    """The readable free text of a listing's schedules (the service's own and this place's), less what the
    listing's hours already show."""
    schedules = list(service.schedules)
    for place in service.service_at_locations:
        if place.id == service_at_location_id:
            schedules += place.schedules + (place.location.schedules if place.location else [])
    notes: dict[str, None] = {}
    for schedule in schedules:
        if readable_text(schedule.description) not in shown:
            notes.update(dict.fromkeys(readable_lines(schedule.description)))
    return list(notes)


def listing_contacts(service: Any, service_at_location_id: str | None) -> list[Any]:
    """The HSDS contacts for a listing: the service's own, then this place's and its location's."""
    contacts = list(service.contacts)
    for place in service.service_at_locations:
        if place.id == service_at_location_id:
            contacts += place.contacts + (place.location.contacts if place.location else [])
    return contacts
