"""Reading one field of an imported row: text, numbers, dates, times and flags, forgiving where the
meaning is clear (`8:00am`, `8 AM`, `0800`, `noon`) and naming the field and value where it is not."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

__all__ = ["RowError", "read_bool", "read_date", "read_datetime", "read_number", "read_text", "read_time"]


class RowError(ValueError):
    """One field of one row is unusable. `cause` is the same for every row with this fault (so a report
    can group them); `value` is this row's offending value."""

    def __init__(self, cause: str, value: Any = None) -> None:
        super().__init__(cause)
        self.cause = cause
        self.value = value


def read_text(row: dict, key: str, *, required: bool = False, max_length: int = 10_000) -> str | None:
    value = row.get(key)
    if value is None or str(value).strip() == "":
        if required:
            raise RowError(f"'{key}' is required (empty)")
        return None
    text = str(value).strip()
    if len(text) > max_length:
        raise RowError(f"'{key}' is longer than {max_length} characters", text)
    return text


def read_number(row: dict, key: str, kind: Callable[[Any], Any], low: float | None = None, high: float | None = None):
    value = row.get(key)
    if value is None or str(value).strip() == "":
        return None
    try:
        number = kind(float(value)) if kind is int else kind(value)
    except (TypeError, ValueError, OverflowError):
        raise RowError(f"'{key}' is not a number", value) from None
    if number != number or (low is not None and number < low) or (high is not None and number > high):
        bounds = f"at least {low:g}" if high is None else f"between {low:g} and {high:g}"
        raise RowError(f"'{key}' must be {bounds}", value)
    return number


def read_date(row: dict, key: str) -> dt.date | None:
    value = read_text(row, key)
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        raise RowError(f"'{key}' is not a date (YYYY-MM-DD)", value) from None


def read_datetime(row: dict, key: str) -> dt.datetime | None:
    """An ISO 8601 date-time (UTC when it gives no offset), or None when empty."""
    value = read_text(row, key)
    if value is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise RowError(f"'{key}' is not a date-time", value) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


_ISO_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(?:[+-]\d{2}:?\d{2}|Z)?")
# 8am, 8 AM, 8:30 p.m., 12:00pm
_CLOCK_TIME = re.compile(r"(\d{1,2})(?:[:.](\d{2}))?\s*([ap])\.?\s*m\.?")
# 0800, 1730 (military time)
_MILITARY_TIME = re.compile(r"([01]\d|2[0-4])([0-5]\d)")
_NAMED_TIMES = {"noon": "12:00", "midday": "12:00", "mediodia": "12:00", "midnight": "00:00", "medianoche": "00:00"}


def read_time(row: dict, key: str) -> tuple[str | None, str | None]:
    """(HH:MM, how the source wrote it when not as HH:MM: 'on a 12-hour clock', 'as military time', 'in words')
    for a time of day; RowError when it is no time."""
    value = read_text(row, key)
    if value is None:
        return None, None
    text = value.casefold().replace("mediodía", "mediodia")
    match = _ISO_TIME.fullmatch(text)
    if match and int(match.group(1)) <= 24 and int(match.group(2)) <= 59:
        return f"{int(match.group(1)):02d}:{match.group(2)}", None
    if text in _NAMED_TIMES:
        return _NAMED_TIMES[text], "in words"
    match = _CLOCK_TIME.fullmatch(text)
    if match and 1 <= int(match.group(1)) <= 12 and int(match.group(2) or 0) <= 59:
        hours = int(match.group(1)) % 12 + (12 if match.group(3) == "p" else 0)
        return f"{hours:02d}:{match.group(2) or '00'}", "on a 12-hour clock"
    match = _MILITARY_TIME.fullmatch(text)
    if match:
        return f"{match.group(1)}:{match.group(2)}", "as military time"
    raise RowError(f"'{key}' is not a time of day (like 08:00, 8:00am or noon)", value)


def read_bool(value: Any) -> bool | None:
    text = str(value).strip().casefold()
    if text in ("true", "yes", "1", "y", "t"):
        return True
    if text in ("false", "no", "0", "n", "f"):
        return False
    return None
