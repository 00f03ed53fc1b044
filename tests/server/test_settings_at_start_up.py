"""Bad settings stop start-up with one message naming every bad variable, without a traceback: `directory-admin serve`
and every other command, and `create_app`. Good settings reach the app through `create_app(settings=...)`."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner
from litestar.testing import AsyncTestClient

from kernel.settings import PROJECT_ROOT, Settings, SettingsError
from server.app import create_app
from server.cli import directory_group

BAD = {"PORT": "abc", "DISTANCE_UNIT": "furlong", "FOLLOW_UP_RETENTION_DAYS": "7,x", "TIME_ZONE": "Nowhere/Atall"}


def production(**changes) -> Settings:
    """The test environment's settings as production would have them (keys, argon2id), changed as given."""
    keys = {
        "secret_key": "s" * 20 + "-shared-by-every-server",
        "ledger_key": "l" * 20 + "-kept-outside-the-db",
        "password_hashing": "argon2id",
    }
    return dataclasses.replace(Settings.from_environment(), app_env="production", **(keys | changes))


def assert_refused(result, *variables: str) -> None:
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)  # click's own exit: no exception escaped
    assert "Traceback" not in result.output
    assert "The settings cannot be used" in result.output or "cannot start" in result.output
    for variable in variables:
        assert variable in result.output


@pytest.mark.parametrize(
    "command",
    [
        ["serve"],
        ["migrate"],
        ["seed", "--quiet"],
        ["check"],
        ["export", "/nonexistent/export"],
        ["accounts", "create-care-team", "Team that must not be made"],
        ["referrals", "verify-ledger"],
    ],
    ids=lambda command: " ".join(command[:2]),
)
def test_every_command_stops_on_bad_settings_naming_every_bad_variable(command):
    result = CliRunner().invoke(directory_group, command, env=BAD)
    assert_refused(result, *BAD)
    assert "PORT='abc': not a whole number" in result.output


def test_help_still_shows_whatever_the_environment_holds():
    result = CliRunner().invoke(directory_group, ["serve", "--help"], env=BAD)
    assert result.exit_code == 0 and "--workers" in result.output


def test_the_installed_command_prints_the_problems_without_a_traceback():
    environment = os.environ | BAD
    command = [sys.executable, "-c", "from server.cli import main; main()", "serve"]
    result = subprocess.run(command, env=environment, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("Error: The settings cannot be used (4 problems):")
    for variable in BAD:
        assert variable in result.stderr


def test_create_app_reads_the_environment_and_refuses_bad_settings(monkeypatch):
    for variable, value in BAD.items():
        monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as refusal:
        create_app()
    assert sorted(refusal.value.problems) == sorted(BAD)


def test_production_refuses_to_start_without_keys_or_with_test_only_password_hashing():
    with pytest.raises(SettingsError) as refusal:
        create_app(production(secret_key="", ledger_key="", password_hashing="test-only"))
    assert list(refusal.value.problems) == ["SECRET_KEY", "LEDGER_KEY", "PASSWORD_HASHING"]
    result = CliRunner().invoke(directory_group, ["serve"], obj=production(ledger_key=""))
    assert_refused(result, "LEDGER_KEY")
    result = CliRunner().invoke(directory_group, ["serve", "--workers", "2"], obj=production(ledger_key=""))
    assert_refused(result, "LEDGER_KEY")  # refused before any worker process is started


def test_settings_naming_another_database_than_the_engine_are_refused():
    elsewhere = dataclasses.replace(Settings.from_environment(), database_url="sqlite:////tmp/another.sqlite")
    with pytest.raises(SettingsError, match="DATABASE_URL"):
        create_app(elsewhere)


async def test_each_app_uses_the_settings_it_was_made_with():
    async def sign_in_attempts(login_rate_limit: int) -> list[int]:
        settings = dataclasses.replace(Settings.from_environment(), login_rate_limit=login_rate_limit)
        app = create_app(settings)
        assert app.state.settings is settings
        async with AsyncTestClient(app=app) as client:
            body = {"email": "nobody@example.org", "password": "not the password"}
            return [(await client.post("/api/auth/login", json=body)).status_code for _ in range(4)]

    assert await sign_in_attempts(2) == [401, 401, 429, 429]
    assert await sign_in_attempts(3) == [401, 401, 401, 429]


async def test_the_pages_show_distances_and_times_as_the_apps_settings_say():
    from kernel import page_format

    assert page_format.distance(1.609344, unit="mi") == "1.0 mi"
    assert page_format.distance(1.609344, unit="km") == "1.6 km"
    kilometres = create_app(dataclasses.replace(Settings.from_environment(), distance_unit="km"))
    miles = create_app()
    engine = kilometres.template_engine.engine  # type: ignore[union-attr]
    assert engine.filters["distance"](1.609344) == "1.6 km"
    assert miles.template_engine.engine.filters["distance"](1.609344) == "1.0 mi"  # type: ignore[union-attr]


def test_tests_pass_their_settings_to_a_command_instead_of_changing_the_environment():
    settings = dataclasses.replace(Settings.from_environment(), app_env="development", public_url="https://x.example")
    result = CliRunner().invoke(directory_group, ["check"], obj=settings)
    assert "PUBLIC_URL" not in result.output and "APP_ENV: 'development'" in result.output
