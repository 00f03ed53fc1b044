"""Settings check themselves: each field is read from the variable of its name in capitals, every value is checked
(read from the environment or made in code), and every problem is reported at once, naming its variable."""

from __future__ import annotations

import ast
import dataclasses
from typing import Any

import pytest

from kernel.settings import PROJECT_ROOT, Settings, SettingsError, read_setting, variable_of

EXAMPLES: dict[str, tuple[str, Any]] = {
    # field: (its variable's text, the value the field gets), each unlike the default
    "database_url": ("sqlite:////srv/directory/elsewhere.sqlite", "sqlite:////srv/directory/elsewhere.sqlite"),
    "host": ("0.0.0.0", "0.0.0.0"),
    "port": ("8080", 8080),
    "workers": ("4", 4),
    "public_url": ("https://directory.example.org", "https://directory.example.org"),
    "geocoder": ("nominatim", "nominatim"),
    "geocoder_url": ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
    "geocoder_timeout": ("2.5", 2.5),
    "geocoder_min_delay": ("0", 0.0),
    "geocoder_user_agent": ("directory-of-example-county/1.0", "directory-of-example-county/1.0"),
    "search_index_poll_seconds": ("5", 5.0),
    "database_check_seconds": ("30", 30.0),
    "max_radius_km": ("100", 100.0),
    "sync_max_page_mb": ("64", 64.0),
    "sync_max_service_mb": ("0.5", 0.5),
    "redis_url": ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
    "trusted_proxies": ("10.0.0.5, 10.0.1.0/24", ("10.0.0.5", "10.0.1.0/24")),
    "public_rate_limit": ("0", 0),
    "login_rate_limit": ("20", 20),
    "secret_key": ("a-secret-key-of-forty-three-random-chars-xyz", "a-secret-key-of-forty-three-random-chars-xyz"),
    "ledger_key": ("a-ledger-key-of-forty-three-random-chars-xyz", "a-ledger-key-of-forty-three-random-chars-xyz"),
    "ledger_previous_keys": ("older-key,oldest-key", ("older-key", "oldest-key")),
    "password_hashing": ("test-only", "test-only"),
    "app_env": ("production", "production"),
    "follow_up_chase_partner_hours": ("36", 36.0),
    "follow_up_attendance_hours": ("12", 12.0),
    "follow_up_outreach_hours": ("48", 48.0),
    "follow_up_handoff_hours": ("4", 4.0),
    "follow_up_retention_days": ("7,14,30", (7, 14, 30)),
    "worklist_horizon_hours": ("48", 48.0),
    "map_tile_url": ("https://tiles.example.org/{z}/{x}/{y}.png", "https://tiles.example.org/{z}/{x}/{y}.png"),
    "map_tile_attribution": ("© Example Tiles", "© Example Tiles"),
    "distance_unit": ("km", "km"),
    "time_zone": ("America/Denver", "America/Denver"),
}

BAD: dict[str, tuple[str, str]] = {
    # variable: (a value it refuses, words of the problem)
    "DATABASE_URL": ("mysql://user@host/directory", "sqlite:///"),
    "HOST": ("not a host!", "host name"),
    "PORT": ("abc", "not a whole number"),
    "WORKERS": ("0", "at least 1"),
    "PUBLIC_URL": ("directory.example.org", "https://"),
    "GEOCODER": ("bogus-geocoder", "geopy"),
    "GEOCODER_URL": ("ftp://geocoder", "http://"),
    "GEOCODER_TIMEOUT": ("0", "more than 0"),
    "GEOCODER_MIN_DELAY": ("-1", "at least 0"),
    "GEOCODER_USER_AGENT": ("agent\nX-Injected: 1", "printable"),
    "SEARCH_INDEX_POLL_SECONDS": ("nan", "not a finite number"),
    "DATABASE_CHECK_SECONDS": ("0", "more than 0"),
    "MAX_RADIUS_KM": ("-5", "more than 0"),
    "SYNC_MAX_PAGE_MB": ("0", "more than 0"),
    "SYNC_MAX_SERVICE_MB": ("lots", "not a number"),
    "REDIS_URL": ("http://cache:6379", "redis://"),
    "TRUSTED_PROXIES": ("10.0.0.5,proxy.internal", "'proxy.internal'"),
    "PUBLIC_RATE_LIMIT": ("-1", "at least 0"),
    "LOGIN_RATE_LIMIT": ("0", "at least 1"),
    "SECRET_KEY": ("a-key-with-a-newline\n", "whitespace"),
    "LEDGER_KEY": ("one,two", "comma"),
    "PASSWORD_HASHING": ("md5", "argon2id, test-only"),
    "APP_ENV": ("prod", "development, production"),
    "FOLLOW_UP_CHASE_PARTNER_HOURS": ("-48", "at least 0"),
    "FOLLOW_UP_ATTENDANCE_HOURS": ("a day", "not a number"),
    "FOLLOW_UP_OUTREACH_HOURS": ("inf", "not a finite number"),
    "FOLLOW_UP_HANDOFF_HOURS": ("-1", "at least 0"),
    "FOLLOW_UP_RETENTION_DAYS": ("7,x", "'x' is not one"),
    "WORKLIST_HORIZON_HOURS": ("soon", "not a number"),
    "MAP_TILE_URL": ("https://tiles.example.org/tile.png", "{z}"),
    "MAP_TILE_ATTRIBUTION": ("line one\nline two", "printable"),
    "DISTANCE_UNIT": ("furlong", "mi, km"),
    "TIME_ZONE": ("Mars/Olympus_Mons", "IANA time zone"),
}


def problems_of(environ: dict[str, str]) -> SettingsError:
    with pytest.raises(SettingsError) as refusal:
        Settings.from_environment(environ)
    return refusal.value


def test_each_variable_sets_the_field_of_its_name():
    names = [field.name for field in dataclasses.fields(Settings)]
    assert sorted(EXAMPLES) == sorted(names), "a new field needs an example here (and a bad value below)"
    for name, (text, value) in EXAMPLES.items():
        variable = name.upper()
        assert variable_of(name) == variable
        settings = Settings.from_environment({variable: text})
        assert getattr(settings, name) == value != getattr(Settings(), name), variable


def test_the_defaults_pass_their_own_rules_and_unset_variables_keep_them():
    assert Settings.from_environment({}) == Settings()


@pytest.mark.parametrize(("variable", "value", "said"), [(v, *bad) for v, bad in BAD.items()], ids=list(BAD))
def test_a_bad_value_stops_with_its_variable_named(variable, value, said):
    refusal = problems_of({variable: value})
    assert list(refusal.problems) == [variable]
    assert said in refusal.problems[variable]
    assert variable in str(refusal)


def test_every_field_has_a_rule_that_can_refuse_it():
    checked = {field.name for field in dataclasses.fields(Settings)} - {"ledger_previous_keys"}
    assert {variable.lower() for variable in BAD} == checked  # earlier ledger keys are any text, comma-separated


def test_every_problem_is_reported_at_once_in_the_fields_order():
    refusal = problems_of({variable: value for variable, (value, _) in BAD.items()})
    order = [field.name.upper() for field in dataclasses.fields(Settings)]
    assert list(refusal.problems) == [variable for variable in order if variable in BAD]
    message = str(refusal)
    assert message.startswith(f"The settings cannot be used ({len(BAD)} problems):")
    assert "PORT='abc': not a whole number" in message
    assert "DISTANCE_UNIT='furlong': must be one of mi, km" in message


def test_secrets_are_never_repeated_in_a_message():
    refusal = problems_of(
        {
            "SECRET_KEY": " hunter2-secret ",
            "LEDGER_KEY": "hunter2,ledger",
            "DATABASE_URL": "mysql://admin:hunter2@db.internal/directory",
            "REDIS_URL": "http://:hunter2@cache.internal:6379",
        }
    )
    assert list(refusal.problems) == ["DATABASE_URL", "REDIS_URL", "SECRET_KEY", "LEDGER_KEY"]
    assert "hunter2" not in str(refusal)


def test_settings_made_in_code_are_checked_too():
    with pytest.raises(SettingsError) as refusal:
        Settings(distance_unit="furlong", follow_up_retention_days=(7, 0))
    assert list(refusal.value.problems) == ["FOLLOW_UP_RETENTION_DAYS", "DISTANCE_UNIT"]
    assert "DISTANCE_UNIT='furlong'" in str(refusal.value)
    with pytest.raises(SettingsError, match="PORT"):
        dataclasses.replace(Settings(), port=70000)


def test_a_network_with_host_bits_is_refused_as_uvicorn_would_ignore_it():
    refusal = problems_of({"TRUSTED_PROXIES": "10.0.0.5/24"})
    assert "'10.0.0.5/24'" in refusal.problems["TRUSTED_PROXIES"]
    assert Settings.from_environment({"TRUSTED_PROXIES": "10.0.0.0/24,::1"}).trusted_proxies == ("10.0.0.0/24", "::1")


def test_sqlite_in_memory_is_refused():
    refusal = problems_of({"DATABASE_URL": "sqlite:///:memory:"})
    assert ":memory:" in refusal.problems["DATABASE_URL"]


def test_the_piccolo_engine_reads_database_url_by_the_same_rule():
    assert read_setting("database_url", {}) == Settings().database_url
    assert read_setting("database_url", {"DATABASE_URL": "postgresql://u@h/db"}) == "postgresql://u@h/db"
    with pytest.raises(SettingsError) as refusal:
        read_setting("database_url", {"DATABASE_URL": "mysql://admin:hunter2@h/db"})
    assert list(refusal.value.problems) == ["DATABASE_URL"] and "hunter2" not in str(refusal.value)


# Parsed when this file is collected: CPython 3.11's parser can fail in a process where another test has already
# caught a RecursionError (see tests/test_error_codes.py).
_SETTINGS_TREE = ast.parse((PROJECT_ROOT / "kernel" / "settings.py").read_text())


def test_every_field_keeps_its_docstring():
    tree = _SETTINGS_TREE
    settings_class = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Settings")
    body = settings_class.body
    fields = [
        (i, n.target.id) for i, n in enumerate(body) if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)
    ]
    assert [name for _, name in fields] == [field.name for field in dataclasses.fields(Settings)]
    for index, name in fields:
        following = body[index + 1] if index + 1 < len(body) else None
        assert (
            isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
            and following.value.value.strip()
        ), f"{name} has no docstring"
