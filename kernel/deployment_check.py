"""What a production deployment's settings lack or get wrong (`directory-admin check`, like Django's
`check --deploy`): each finding says what is wrong and what to set. CRITICAL findings also stop a production
start-up; ERROR findings make the check fail; WARNING findings are for a person to weigh."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Literal

from kernel.settings import Settings, SettingsError

__all__ = ["LEVELS", "MIN_KEY_LENGTH", "Finding", "deployment_findings", "refuse_unsafe_production"]

Level = Literal["CRITICAL", "ERROR", "WARNING"]
LEVELS: tuple[Level, ...] = ("CRITICAL", "ERROR", "WARNING")
"""Most serious first."""

MIN_KEY_LENGTH = 32
"""Characters a SECRET_KEY or LEDGER_KEY needs at least (secrets.token_urlsafe(32) gives 43)."""
MIN_KEY_CHARACTERS = 10
"""Different characters a key needs at least: a long run of one character is no key."""
MAKE_A_KEY = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"


@dataclass(frozen=True)
class Finding:
    """One thing wrong with the settings for production: how serious, which variable, what is wrong, what to set."""

    level: Level
    variable: str
    problem: str
    fix: str


def deployment_findings(settings: Settings) -> list[Finding]:
    """Everything these settings lack or get wrong for production, most serious first (whatever APP_ENV says:
    the check answers "could this run in production?")."""
    findings = [
        *_environment(settings),
        *_keys(settings),
        *_password_hashing(settings),
        *_database(settings),
        *_https(settings),
        *_proxies(settings),
        *_shared_counters(settings),
    ]
    return sorted(findings, key=lambda finding: LEVELS.index(finding.level))


def refuse_unsafe_production(settings: Settings) -> None:
    """With APP_ENV=production, SettingsError naming every CRITICAL finding: production does not start with them."""
    if not settings.production:
        return
    critical = {f.variable: f"{f.problem} {f.fix}" for f in deployment_findings(settings) if f.level == "CRITICAL"}
    if critical:
        raise SettingsError(critical, heading="APP_ENV=production cannot start with these settings")


def _environment(settings: Settings) -> list[Finding]:
    if settings.production:
        return []
    return [
        Finding(
            "ERROR",
            "APP_ENV",
            f"{settings.app_env!r}, not production: demo accounts may sign in, cookies are not Secure, no HSTS "
            "is sent, and missing keys are made up in var/.",
            "Set APP_ENV=production.",
        )
    ]


def _keys(settings: Settings) -> list[Finding]:
    findings = []
    for variable, key, use in (
        ("SECRET_KEY", settings.secret_key, "it signs CSRF tokens; every app server needs the same one"),
        ("LEDGER_KEY", settings.ledger_key, "it seals the referral ledger; keep it outside the database"),
    ):
        if not key:
            findings.append(
                Finding(
                    "CRITICAL",
                    variable,
                    f"missing: production refuses to start without it ({use}).",
                    f"Set {variable} to a random value of {MIN_KEY_LENGTH}+ characters, e.g. from `{MAKE_A_KEY}`.",
                )
            )
        elif len(key) < MIN_KEY_LENGTH or len(set(key)) < MIN_KEY_CHARACTERS:
            findings.append(
                Finding(
                    "ERROR",
                    variable,
                    f"weak, {len(key)} characters ({len(set(key))} different): it could be guessed ({use}).",
                    f"Set {variable} to a random value of {MIN_KEY_LENGTH}+ characters, e.g. from `{MAKE_A_KEY}`.",
                )
            )
    if settings.secret_key and settings.secret_key == settings.ledger_key:
        findings.append(
            Finding(
                "ERROR",
                "LEDGER_KEY",
                "the same as SECRET_KEY: whoever can sign the app's tokens could also re-seal a changed ledger.",
                "Give LEDGER_KEY a value of its own (move the current one to LEDGER_PREVIOUS_KEYS, so old events "
                "still verify).",
            )
        )
    return findings


def _password_hashing(settings: Settings) -> list[Finding]:
    if settings.password_hashing != "test-only":
        return []
    return [
        Finding(
            "CRITICAL",
            "PASSWORD_HASHING",
            "'test-only': password hashes cheap enough to make the test suite fast are cheap to crack too.",
            "Set PASSWORD_HASHING=argon2id (or leave it unset).",
        )
    ]


def _database(settings: Settings) -> list[Finding]:
    if settings.is_postgres:
        return []
    return [
        Finding(
            "ERROR",
            "DATABASE_URL",
            "SQLite, a file only this server can open: one app server at most, and every write waits for the one "
            "before it.",
            "Set DATABASE_URL=postgresql://user@host:5432/database (then `directory-admin migrate`).",
        )
    ]


def _https(settings: Settings) -> list[Finding]:
    findings = []
    if not settings.public_url:
        findings.append(
            Finding(
                "ERROR",
                "PUBLIC_URL",
                "missing, so nothing says people reach the app over HTTPS, which production needs: its session "
                "cookies are Secure (a browser never sends them over plain HTTP) and it sends HSTS.",
                "Serve the app behind HTTPS and set PUBLIC_URL=https://<the address people use>.",
            )
        )
    elif not settings.public_url.startswith("https://"):
        findings.append(
            Finding(
                "ERROR",
                "PUBLIC_URL",
                f"{settings.public_url!r}, not https: production's session cookies are Secure, so nobody could "
                "sign in over it, and everything would cross the network readable.",
                "Serve the app behind HTTPS and set PUBLIC_URL=https://<the address people use>.",
            )
        )
    if settings.map_tile_url.startswith("http://"):
        findings.append(
            Finding(
                "WARNING",
                "MAP_TILE_URL",
                "plain http: browsers block or upgrade http images on an https page, so the map may stay empty.",
                "Use the tile server's https:// address (or set MAP_TILE_URL empty to hide the map).",
            )
        )
    return findings


def _proxies(settings: Settings) -> list[Finding]:
    if not settings.trusted_proxies:
        return [
            Finding(
                "ERROR",
                "TRUSTED_PROXIES",
                "empty, but `directory-admin serve` speaks plain HTTP, so the HTTPS in front of it is a reverse "
                "proxy or load balancer: without its address every visitor looks like the proxy (one rate limit "
                "shared by all, the proxy's address in the audit log).",
                "Set TRUSTED_PROXIES to the proxy's address or network (e.g. 127.0.0.1 or 10.0.0.0/24).",
            )
        ]
    everyone = [
        entry for entry in settings.trusted_proxies if "/" in entry and not ipaddress.ip_network(entry).prefixlen
    ]
    if everyone:
        return [
            Finding(
                "ERROR",
                "TRUSTED_PROXIES",
                f"{', '.join(everyone)} believes every address: any client could name its own "
                "address in X-Forwarded-For and escape the rate limits.",
                "List only the proxies' own addresses or networks.",
            )
        ]
    return []


def _shared_counters(settings: Settings) -> list[Finding]:
    if settings.redis_url:
        return []
    if settings.workers > 1:
        return [
            Finding(
                "ERROR",
                "REDIS_URL",
                f"missing while WORKERS={settings.workers}: each worker counts rate limits on its own, so every "
                f"limit (sign-in attempts too) is {settings.workers} times looser.",
                "Set REDIS_URL=redis://host:6379/0 (shared by every worker and app server).",
            )
        ]
    return [
        Finding(
            "WARNING",
            "REDIS_URL",
            "missing: right while this is the only app server (WORKERS=1), but a second server would count its "
            "rate limits on its own.",
            "With more than one app server, set REDIS_URL=redis://host:6379/0 on every one.",
        )
    ]
