"""How the pages write distances, dates and times: in the visitor's language, in DISTANCE_UNIT and TIME_ZONE (the
template engine binds the app's settings to these filters)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time, format_timedelta, get_day_names

from kernel.i18n import current_language, gettext

__all__ = ["KM_PER_MILE", "day", "distance", "moment", "since", "weekly_hours"]

KM_PER_MILE = 1.609344


def distance(km: float | None, approximate: bool = False, *, unit: str) -> str:
    """ "2.3 mi", or "about 2 mi" when the listing is placed only by its ZIP or city (its distance is a guess);
    `unit` is mi or km."""
    if km is None:
        return ""
    value = km if unit == "km" else km / KM_PER_MILE
    if approximate:
        shown = f"{max(round(value), 1)} {unit}"
        return gettext("about %(distance)s") % {"distance": shown}
    if value < 0.1:
        return gettext("under %(distance)s") % {"distance": f"0.1 {unit}"}
    return f"{value:.1f} {unit}"


def _local(moment_: dt.datetime, time_zone: str) -> dt.datetime:
    zone = ZoneInfo(time_zone)
    if moment_.tzinfo is None:
        moment_ = moment_.replace(tzinfo=dt.UTC)
    return moment_.astimezone(zone)


def day(value: dt.date | dt.datetime | str | None, *, time_zone: str) -> str:
    """A date, e.g. "Dec 3, 2026" / "3 dic 2026" (an ISO date string, as the listings store it, too); a moment's
    date is the one in `time_zone`."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return str(value)
    if isinstance(value, dt.datetime):
        value = _local(value, time_zone).date()
    return format_date(value, format="medium", locale=current_language())


def moment(value: dt.datetime | None, *, time_zone: str) -> str:
    """A date and time in `time_zone`, e.g. "Dec 3, 2026, 9:30 AM"."""
    if value is None:
        return ""
    local = _local(value, time_zone)
    language = current_language()
    date = format_date(local.date(), format="medium", locale=language)
    return f"{date}, {format_time(local.time(), format='short', locale=language)}"


def since(value: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """How long ago (or how far ahead), e.g. "3 days ago" / "in 5 hours"."""
    if value is None:
        return ""
    now = now or dt.datetime.now(dt.UTC)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return format_timedelta(value - now, add_direction=True, threshold=1.1, locale=current_language())


def weekly_hours(weekdays: list[int], opens_at: str, closes_at: str) -> str:
    """Opening hours on some weekdays (0 is Monday; clock times '09:00') in the visitor's language, e.g.
    "Mon–Fri 9:00 AM–5:00 PM" / "lun–vie 9:00–17:00"; three days or more in a row are one range."""
    language = current_language()
    names = get_day_names("abbreviated", locale=language)
    runs: list[list[int]] = []
    for weekday in sorted(set(weekdays)):
        if runs and weekday == runs[-1][-1] + 1:
            runs[-1].append(weekday)
        else:
            runs.append([weekday])
    days = ", ".join(
        f"{names[run[0]]}–{names[run[-1]]}" if len(run) >= 3 else ", ".join(names[d] for d in run) for run in runs
    )
    opens, closes = (
        format_time(dt.time.fromisoformat(t), format="short", locale=language) for t in (opens_at, closes_at)
    )
    return f"{days} {opens}–{closes}"
