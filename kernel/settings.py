"""Settings read from the environment, one field per knob."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

__all__ = ["PROJECT_ROOT", "Settings", "get_settings"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


@dataclass(frozen=True)
class Settings:
    """Runtime configuration; every field can be overridden by an environment variable."""

    database_url: str = field(
        default_factory=lambda: _env("DATABASE_URL", f"sqlite:///{PROJECT_ROOT / 'var' / 'directory.sqlite'}")
    )
    """`sqlite:///path` (default, a file under var/) or `postgresql://...`."""

    host: str = field(default_factory=lambda: _env("HOST", "127.0.0.1"))
    """Interface the web server binds to."""

    port: int = field(default_factory=lambda: int(_env("PORT", "8000")))
    """Port the web server listens on."""

    geocoder: str = field(default_factory=lambda: _env("GEOCODER", "offline"))
    """geopy geocoder name (nominatim, photon, pelias, ...) or `offline` for ZIP/city centroids only."""

    geocoder_url: str = field(default_factory=lambda: _env("GEOCODER_URL", ""))
    """Base URL of a self-hosted geocoder, e.g. http://127.0.0.1:8080."""

    geocoder_timeout: float = field(default_factory=lambda: float(_env("GEOCODER_TIMEOUT", "3")))
    """Seconds to wait for one geocoder answer before falling back to centroids."""

    geocoder_min_delay: float = field(default_factory=lambda: float(_env("GEOCODER_MIN_DELAY", "1")))
    """Minimum seconds between geocoder calls (Nominatim's usage policy asks for 1)."""

    geocoder_user_agent: str = field(default_factory=lambda: _env("GEOCODER_USER_AGENT", "resource-directory/0.1"))
    """User-Agent sent to the geocoder, as public geocoders require."""

    search_index_poll_seconds: float = field(default_factory=lambda: float(_env("SEARCH_INDEX_POLL_SECONDS", "1.0")))
    """How often a background task asks the database whether another server changed the directory
    (searches never wait for that question; a change made through this server shows in its next search)."""

    max_radius_km: float = field(default_factory=lambda: float(_env("MAX_RADIUS_KM", "500")))
    """Largest search radius accepted; anything larger is almost surely a mistake."""

    redis_url: str = field(default_factory=lambda: _env("REDIS_URL", ""))
    """redis://... to share rate-limit counters between app servers; without it each server counts in memory."""

    trusted_proxies: tuple[str, ...] = field(
        default_factory=lambda: tuple(p.strip() for p in _env("TRUSTED_PROXIES", "").split(",") if p.strip())
    )
    """Addresses or networks (e.g. 10.0.0.5, 10.0.0.0/24) of reverse proxies whose X-Forwarded-For is believed;
    empty (the default) believes nobody, so the client address is always the connection's own."""

    public_rate_limit: int = field(default_factory=lambda: int(_env("PUBLIC_RATE_LIMIT", "120")))
    """Requests per minute one address may make to the public directory API; 0 turns the limit off."""

    login_rate_limit: int = field(default_factory=lambda: int(_env("LOGIN_RATE_LIMIT", "10")))
    """Sign-in attempts a minute one address may make (page and API together); the per-account lockout is apart."""

    secret_key: str = field(default_factory=lambda: _env("SECRET_KEY", ""))
    """Signs CSRF tokens; every app server needs the same one. Required when APP_ENV=production."""

    ledger_key: str = field(default_factory=lambda: _env("LEDGER_KEY", ""))
    """Seals the referral ledger (HMAC-SHA256). Keep it outside the database, the same on every app server;
    required when APP_ENV=production. Whoever holds it can re-seal a changed ledger."""

    ledger_previous_keys: tuple[str, ...] = field(
        default_factory=lambda: tuple(k for k in _env("LEDGER_PREVIOUS_KEYS", "").split(",") if k)
    )
    """Earlier LEDGER_KEYs (comma-separated), so events sealed before a key rotation still verify."""

    production: bool = field(default_factory=lambda: _env("APP_ENV", "development") == "production")
    """APP_ENV=production: demo accounts are refused and session cookies are Secure."""

    chase_partner_hours: float = field(default_factory=lambda: float(_env("FOLLOW_UP_CHASE_PARTNER_HOURS", "48")))
    """A referral the partner has not accepted this long after it was sent: chase the partner."""

    check_attendance_hours: float = field(default_factory=lambda: float(_env("FOLLOW_UP_ATTENDANCE_HOURS", "24")))
    """Hours after an appointment with no outcome by which to check whether the client attended."""

    client_outreach_hours: float = field(default_factory=lambda: float(_env("FOLLOW_UP_OUTREACH_HOURS", "24")))
    """Hours after a no-show or failed referral by which to reach out to the client (guidance: 24-48)."""

    confirm_handoff_hours: float = field(default_factory=lambda: float(_env("FOLLOW_UP_HANDOFF_HOURS", "8")))
    """Hours after a warm handoff by which to confirm the first contact happened (same day)."""

    retention_check_days: tuple[int, ...] = field(
        default_factory=lambda: tuple(int(d) for d in _env("FOLLOW_UP_RETENTION_DAYS", "7,30").split(","))
    )
    """Days after a completed MOUD referral at which to check the client is still in treatment."""

    worklist_horizon_hours: float = field(default_factory=lambda: float(_env("WORKLIST_HORIZON_HOURS", "24")))
    """The worklist shows follow-ups due within this many hours, and every overdue one."""

    map_tile_url: str = field(
        default_factory=lambda: _env("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
    )
    """Map tiles for the public directory's map ({z}/{x}/{y} template); empty hides the map. The page and its
    list work the same when tiles cannot load."""

    map_tile_attribution: str = field(
        default_factory=lambda: _env("MAP_TILE_ATTRIBUTION", "© OpenStreetMap contributors")
    )
    """The credit the tile provider asks for, shown on the map."""

    distance_unit: str = field(default_factory=lambda: _env("DISTANCE_UNIT", "mi"))
    """`mi` (the default: the directory's addresses are in the US) or `km` for distances on the pages."""

    time_zone: str = field(default_factory=lambda: _env("TIME_ZONE", "America/New_York"))
    """IANA time zone the pages show times in (the database keeps UTC)."""

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
            raise RuntimeError("APP_ENV=production needs SECRET_KEY (the same on every app server)")
        return _development_key("secret")

    @property
    def ledger_secret(self) -> str:
        """LEDGER_KEY, or in development a random key kept in var/ (production refuses to start without one)."""
        if self.ledger_key:
            return self.ledger_key
        if self.production:
            raise RuntimeError("APP_ENV=production needs LEDGER_KEY (kept outside the database)")
        return _development_key("ledger")

    @property
    def is_postgres(self) -> bool:
        """True when the configured database is PostgreSQL."""
        return self.database_url.startswith(("postgresql://", "postgres://"))


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


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
