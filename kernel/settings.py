"""Settings read from the environment, one field per knob: a field's variable is its name in capitals (field
`follow_up_attendance_hours` <- FOLLOW_UP_ATTENDANCE_HOURS). Every value is checked when the settings are made,
and every problem is reported at once, each naming its variable."""

from __future__ import annotations

import ipaddress
import math
import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import Any, get_type_hints
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from litestar.datastructures import State
from litestar.di import NamedDependency

__all__ = [
    "APP_ENVS",
    "AppSettings",
    "DISTANCE_UNITS",
    "PASSWORD_HASHINGS",
    "PROJECT_ROOT",
    "Settings",
    "SettingsError",
    "provide_settings",
    "read_setting",
    "variable_of",
]

PROJECT_ROOT = Path(__file__).resolve().parent.parent

APP_ENVS = ("development", "production")
DISTANCE_UNITS = ("mi", "km")
PASSWORD_HASHINGS = ("argon2id", "test-only")

SECRET = {"secret": True}
"""Field metadata: the value is never repeated in a message (keys, and URLs that may hold a password)."""


def variable_of(field_name: str) -> str:
    """The environment variable that sets a field: its name in capitals."""
    return field_name.upper()


class SettingsError(ValueError):
    """Settings that cannot be used: every problem at once, by environment variable, in the fields' order."""

    def __init__(
        self,
        problems: Mapping[str, str],
        values: Mapping[str, str] | None = None,
        heading: str = "The settings cannot be used",
    ) -> None:
        self.problems = dict(problems)
        """The problem with each variable that has one."""
        self.values = dict(values or {})
        """The value each problem is about, as given (never a secret's)."""
        self.heading = heading
        super().__init__(str(self))

    def __str__(self) -> str:
        lines = [f"{self.heading} ({len(self.problems)} problem{'s' * (len(self.problems) != 1)}):"]
        for variable, problem in self.problems.items():
            shown = f"={self.values[variable]!r}" if variable in self.values else ""
            lines.append(f"  {variable}{shown}: {problem}")
        return "\n".join(lines)


@dataclass(frozen=True)
class Settings:
    """Runtime configuration; `Settings.from_environment()` reads each field from its environment variable."""

    database_url: str = field(default=f"sqlite:///{PROJECT_ROOT / 'var' / 'directory.sqlite'}", metadata=SECRET)
    """`sqlite:///path` (default, a file under var/) or `postgresql://...`."""

    host: str = "127.0.0.1"
    """Interface the web server binds to."""

    port: int = 8000
    """Port the web server listens on."""

    workers: int = 1
    """Worker processes `directory-admin serve` starts on this server (its --workers overrides it for one run);
    more than one counts its rate limits apart unless REDIS_URL is set, as `directory-admin check` says."""

    public_url: str = ""
    """The address people reach the app at, e.g. https://directory.example.org (https in production); the FHIR
    export's fullUrls start with it (otherwise with the request's own address)."""

    geocoder: str = "offline"
    """geopy geocoder name (nominatim, photon, pelias, ...) or `offline` for ZIP/city centroids only."""

    geocoder_url: str = ""
    """Base URL of a self-hosted geocoder, e.g. http://127.0.0.1:8080."""

    geocoder_timeout: float = 3.0
    """Seconds to wait for one geocoder answer before falling back to centroids."""

    geocoder_min_delay: float = 1.0
    """Minimum seconds between geocoder calls (Nominatim's usage policy asks for 1)."""

    geocoder_user_agent: str = "resource-directory/0.1"
    """User-Agent sent to the geocoder, as public geocoders require."""

    search_index_poll_seconds: float = 1.0
    """How often a background task asks the database whether another server changed the directory
    (searches never wait for that question; a change made through this server shows in its next search)."""

    database_check_seconds: float = 5.0
    """How often a background task asks the database whether it answers; /healthz reports the last answer
    (503 while the database is unreachable) without a query of its own."""

    max_radius_km: float = 500.0
    """Largest search radius accepted; anything larger is almost surely a mistake."""

    sync_max_page_mb: float = 16.0
    """Largest page of services `directory-admin sync` reads (megabytes, read as it streams in): a larger one
    stops the sync with a message rather than filling the memory (a page takes ~70 times its size once parsed)."""

    sync_max_service_mb: float = 2.0
    """Largest single service (its nested JSON, megabytes) a sync accepts; a larger one stops the sync."""

    redis_url: str = field(default="", metadata=SECRET)
    """redis://... to share rate-limit counters between app servers; without it each server counts in memory."""

    trusted_proxies: tuple[str, ...] = ()
    """Addresses or networks (e.g. 10.0.0.5, 10.0.0.0/24) of reverse proxies whose X-Forwarded-For is believed;
    empty (the default) believes nobody, so the client address is always the connection's own."""

    public_rate_limit: int = 120
    """Requests per minute one address may make to the public directory (its API and its pages); 0 turns the
    limit off."""

    login_rate_limit: int = 10
    """Sign-in attempts a minute one address may make (page and API together); the per-account lockout is apart."""

    secret_key: str = field(default="", metadata=SECRET)
    """Signs CSRF tokens; every app server needs the same one. Required when APP_ENV=production."""

    ledger_key: str = field(default="", metadata=SECRET)
    """Seals the referral ledger (HMAC-SHA256). Keep it outside the database, the same on every app server;
    required when APP_ENV=production. Whoever holds it can re-seal a changed ledger."""

    ledger_previous_keys: tuple[str, ...] = field(default=(), metadata=SECRET)
    """Earlier LEDGER_KEYs (comma-separated), so events sealed before a key rotation still verify."""

    password_hashing: str = "argon2id"
    """`argon2id` (the default) or `test-only`: cheap hashes that make the test suite fast; never in production."""

    app_env: str = "development"
    """`development` or `production`: production refuses demo accounts, sends Secure cookies and HSTS, and will
    not start without SECRET_KEY and LEDGER_KEY."""

    follow_up_chase_partner_hours: float = 48.0
    """A referral the partner has not accepted this long after it was sent: chase the partner."""

    follow_up_attendance_hours: float = 24.0
    """Hours after an appointment with no outcome by which to check whether the client attended."""

    follow_up_outreach_hours: float = 24.0
    """Hours after a no-show or failed referral by which to reach out to the client (guidance: 24-48)."""

    follow_up_handoff_hours: float = 8.0
    """Hours after a warm handoff by which to confirm the first contact happened (same day)."""

    follow_up_retention_days: tuple[int, ...] = (7, 30)
    """Days after a completed MOUD referral at which to check the client is still in treatment."""

    worklist_horizon_hours: float = 24.0
    """The worklist shows follow-ups due within this many hours, and every overdue one."""

    map_tile_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    """Map tiles for the public directory's map ({z}/{x}/{y} template); empty hides the map. The page and its
    list work the same when tiles cannot load."""

    map_tile_attribution: str = "© OpenStreetMap contributors"
    """The credit the tile provider asks for, shown on the map."""

    distance_unit: str = "mi"
    """`mi` (the default: the directory's addresses are in the US) or `km` for distances on the pages."""

    time_zone: str = "America/New_York"
    """IANA time zone the pages show times in (the database keeps UTC)."""

    def __post_init__(self) -> None:
        problems = {}
        for each in fields(self):
            problem = _RULES[each.name](getattr(self, each.name))
            if problem:
                problems[variable_of(each.name)] = problem
        if problems:
            raise SettingsError(problems, {v: _shown(self, v.lower()) for v in problems if not _is_secret(v.lower())})

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings from the environment (the process's, or the mapping given): defaults for variables that
        are not set, and one SettingsError naming every variable that cannot be used."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        problems: dict[str, str] = {}
        for each in fields(cls):
            text = environ.get(variable_of(each.name))
            if text is None:
                continue
            try:
                values[each.name] = _parse(each.name, text)
            except ValueError as error:
                problems[variable_of(each.name)] = str(error)
        try:
            settings = cls(**values)
        except SettingsError as error:
            problems |= error.problems
        else:
            if not problems:
                return settings
        order = [variable_of(each.name) for each in fields(cls)]
        given = {v: environ[v] for v in problems if v in environ and not _is_secret(v.lower())}
        raise SettingsError({v: problems[v] for v in order if v in problems}, given)

    @property
    def production(self) -> bool:
        """APP_ENV=production."""
        return self.app_env == "production"

    @property
    def map_tile_origin(self) -> str:
        """scheme://host[:port] of the tile server, which the page's Content-Security-Policy lets images come from."""
        scheme, _, rest = self.map_tile_url.partition("://")
        return f"{scheme}://{rest.split('/', 1)[0]}" if rest else ""

    @property
    def signing_secret(self) -> str:
        """SECRET_KEY, or in development a random key kept in var/ (production refuses to start without one)."""
        if self.secret_key:
            return self.secret_key
        if self.production:
            raise SettingsError({"SECRET_KEY": "required when APP_ENV=production (the same on every app server)"})
        return _development_key("secret")

    @property
    def ledger_secret(self) -> str:
        """LEDGER_KEY, or in development a random key kept in var/ (production refuses to start without one)."""
        if self.ledger_key:
            return self.ledger_key
        if self.production:
            raise SettingsError({"LEDGER_KEY": "required when APP_ENV=production (kept outside the database)"})
        return _development_key("ledger")

    @property
    def ledger_keys(self) -> tuple[str, ...]:
        """The key that seals new entries first, then the earlier ones that still verify old entries."""
        return (self.ledger_secret, *self.ledger_previous_keys)

    @property
    def is_postgres(self) -> bool:
        """True when the configured database is PostgreSQL."""
        return self.database_url.startswith(("postgresql://", "postgres://"))


_FIELD_TYPES: dict[str, Any] = get_type_hints(Settings)
"""Each field's type, which says how its variable's text is read."""

AppSettings = NamedDependency[Settings]
"""A handler parameter `settings: AppSettings` receives the app's settings (`create_app(settings=...)`)."""


async def provide_settings(state: State) -> Settings:
    """Dependency `settings`: the settings the app was made with."""
    settings: Settings = state.settings
    return settings


def read_setting(name: str, environ: Mapping[str, str] | None = None) -> Any:
    """One field's value from its environment variable, checked by the same rule as in Settings (for the Piccolo
    engine, which is made when piccolo_conf is imported, before any Settings)."""
    environ = os.environ if environ is None else environ
    variable = variable_of(name)
    text = environ.get(variable)
    given = {variable: text} if text is not None and not _is_secret(name) else {}
    try:
        value = _default(name) if text is None else _parse(name, text)
    except ValueError as error:
        raise SettingsError({variable: str(error)}, given) from None
    problem = _RULES[name](value)
    if problem:
        raise SettingsError({variable: problem}, given)
    return value


def _default(name: str) -> Any:
    return next(each.default for each in fields(Settings) if each.name == name)


def _is_secret(name: str) -> bool:
    return bool(next(each for each in fields(Settings) if each.name == name).metadata.get("secret"))


def _shown(settings: Settings, name: str) -> str:
    """A field's value as its variable would be written."""
    value = getattr(settings, name)
    return ",".join(map(str, value)) if isinstance(value, tuple) else str(value)


# --- reading a variable's text --------------------------------------------------------------------------------


def _parse(name: str, text: str) -> Any:
    """The text of a field's variable as the field's type; ValueError saying what is wrong."""
    kind = _FIELD_TYPES[name]
    if kind is str:
        return text
    if kind is int:
        return _whole_number(text)
    if kind is float:
        return _number(text)
    items = tuple(item.strip() for item in text.split(",") if item.strip())
    if kind == tuple[int, ...]:
        wrong = [item for item in items if not re.fullmatch(r"[+-]?\d+", item)]
        if wrong:
            raise ValueError(f"must be whole numbers separated by commas ({', '.join(map(repr, wrong))} is not one)")
        return tuple(int(item) for item in items)
    if kind == tuple[str, ...]:
        return items
    raise TypeError(f"no reader for a {kind} setting")


def _whole_number(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ValueError("not a whole number") from None


def _number(text: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise ValueError("not a number") from None
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    return value


# --- the rule of each field: a problem in words, or None --------------------------------------------------------

Rule = Callable[[Any], str | None]


def _at_least(minimum: float, what: str = "") -> Rule:
    def rule(value: float) -> str | None:
        if not math.isfinite(value):
            return "must be a finite number"
        return None if value >= minimum else f"must be at least {minimum:g}{what}"

    return rule


def _above(minimum: float) -> Rule:
    def rule(value: float) -> str | None:
        if not math.isfinite(value):
            return "must be a finite number"
        return None if value > minimum else f"must be more than {minimum:g}"

    return rule


def _one_of(*choices: str) -> Rule:
    def rule(value: str) -> str | None:
        return None if value in choices else f"must be one of {', '.join(choices)}"

    return rule


def _plain_text(value: str) -> str | None:
    if any(not character.isprintable() for character in value):
        return "must be one line of printable text"
    return None


def _key(value: str) -> str | None:
    if value != value.strip():
        return "starts or ends with whitespace (a stray space or newline copied with the key?)"
    return None


def _ledger_key(value: str) -> str | None:
    if "," in value:
        return "must not contain a comma (LEDGER_PREVIOUS_KEYS lists earlier keys separated by commas)"
    return _key(value)


def _http_url(value: str, *, empty: bool = True) -> str | None:
    """A problem with an http(s) URL (scheme, host, port), or None; empty is allowed when `empty`."""
    if not value:
        return None if empty else "must not be empty"
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError:
        return "is not a URL (its port is not a number?)"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an http:// or https:// URL with a host"
    if parts.query or parts.fragment:
        return "must not have a query (?...) or a fragment (#...)"
    return None


def _public_url(value: str) -> str | None:
    return _http_url(value)


def _database_url(value: str) -> str | None:
    if value.startswith("sqlite:///"):
        path = value.removeprefix("sqlite:///")
        if not path or path == ":memory:":
            return (
                "a SQLite URL names a file: sqlite:///path/to/file.sqlite (not :memory:, which each query opens anew)"
            )
        return None
    if value.startswith(("postgresql://", "postgres://")):
        try:
            urlsplit(value).port  # noqa: B018 (raises ValueError for a port that is not a number)
        except ValueError:
            return "the port in the PostgreSQL URL is not a number"
        return None
    scheme = value.partition(":")[0] if ":" in value else ""
    said = f" (it starts with {scheme}:)" if scheme and scheme.isalnum() else ""
    return f"must be sqlite:///path/to/file.sqlite or postgresql://user@host:port/database{said}"


_HOST_NAME = re.compile(
    r"(?=.{1,253}\Z)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\Z"
)


def _host(value: str) -> str | None:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        if not _HOST_NAME.match(value):
            return "must be an IP address (127.0.0.1, 0.0.0.0, ::) or a host name"
    return None


def _geocoder(value: str) -> str | None:
    if value == "offline":
        return None
    from geopy.geocoders import SERVICE_TO_GEOCODER

    if value.lower() not in SERVICE_TO_GEOCODER:
        return (
            "must be `offline` or a geocoder geopy knows (nominatim, photon, pelias, arcgis, ...; "
            "see geopy.geocoders.SERVICE_TO_GEOCODER)"
        )
    return None


def _redis_url(value: str) -> str | None:
    if value and urlsplit(value).scheme not in ("redis", "rediss", "unix"):
        return "must be a redis://, rediss:// or unix:// URL (or empty: each server counts in memory)"
    return None


def _trusted_proxies(value: tuple[str, ...]) -> str | None:
    # Parsed as uvicorn's ProxyHeadersMiddleware parses them, which silently takes anything else as a literal
    # name that no client address ever matches.
    wrong = []
    for entry in value:
        try:
            ipaddress.ip_network(entry) if "/" in entry else ipaddress.ip_address(entry)
        except ValueError:
            wrong.append(entry)
    if wrong:
        return (
            f"{', '.join(map(repr, wrong))}: not an IP address or network (e.g. 10.0.0.5, 10.0.0.0/24; "
            "a network's address has no host bits: 10.0.0.0/24, not 10.0.0.5/24)"
        )
    return None


def _ledger_previous_keys(value: tuple[str, ...]) -> str | None:
    return None  # each entry is stripped and the comma separates them: any text is a key


def _retention_days(value: tuple[int, ...]) -> str | None:
    if any(days < 1 for days in value):
        return "must be whole numbers of days of at least 1, separated by commas (e.g. 7,30)"
    if len(set(value)) != len(value):
        return "names a day twice"
    return None


def _map_tile_url(value: str) -> str | None:
    if not value:
        return None
    problem = _http_url(value)
    if problem:
        return problem
    missing = [part for part in ("{z}", "{x}", "{y}") if part not in value]
    if missing:
        return f"must be a tile template with {{z}}, {{x}} and {{y}} (it lacks {', '.join(missing)})"
    return None


def _time_zone(value: str) -> str | None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return "not an IANA time zone (e.g. America/New_York, America/Denver, UTC)"
    return None


_RULES: dict[str, Rule] = {
    "database_url": _database_url,
    "host": _host,
    "port": lambda port: None if 1 <= port <= 65535 else "must be a port from 1 to 65535",
    "workers": _at_least(1),
    "public_url": _public_url,
    "geocoder": _geocoder,
    "geocoder_url": _http_url,
    "geocoder_timeout": _above(0),
    "geocoder_min_delay": _at_least(0, " seconds"),
    "geocoder_user_agent": lambda agent: _plain_text(agent) or (None if agent.strip() else "must not be empty"),
    "search_index_poll_seconds": _above(0),
    "database_check_seconds": _above(0),
    "max_radius_km": _above(0),
    "sync_max_page_mb": _above(0),
    "sync_max_service_mb": _above(0),
    "redis_url": _redis_url,
    "trusted_proxies": _trusted_proxies,
    "public_rate_limit": _at_least(0, " (0 turns the limit off)"),
    "login_rate_limit": _at_least(1),
    "secret_key": _key,
    "ledger_key": _ledger_key,
    "ledger_previous_keys": _ledger_previous_keys,
    "password_hashing": _one_of(*PASSWORD_HASHINGS),
    "app_env": _one_of(*APP_ENVS),
    "follow_up_chase_partner_hours": _at_least(0, " hours"),
    "follow_up_attendance_hours": _at_least(0, " hours"),
    "follow_up_outreach_hours": _at_least(0, " hours"),
    "follow_up_handoff_hours": _at_least(0, " hours"),
    "follow_up_retention_days": _retention_days,
    "worklist_horizon_hours": _at_least(0, " hours"),
    "map_tile_url": _map_tile_url,
    "map_tile_attribution": _plain_text,
    "distance_unit": _one_of(*DISTANCE_UNITS),
    "time_zone": _time_zone,
}


@lru_cache(maxsize=4)
def _development_key(name: str) -> str:
    """A random key made once per checkout in var/<name>.key (readable by its owner only), so a development
    or demo install never seals its ledger with a key anyone can read in the source."""
    path = PROJECT_ROOT / "var" / f"{name}.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{name}.{os.getpid()}.key")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(32))
        try:
            os.link(draft, path)  # atomic: of two processes starting at once, one key wins and both read it
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()
