"""`directory-admin check` lists what a production deployment lacks or gets wrong, each finding saying what to set;
it fails on errors (CRITICAL, ERROR), not on warnings unless asked, as Django's `check --deploy` does."""

from __future__ import annotations

import dataclasses
import re

from click.testing import CliRunner

from kernel.deployment_check import deployment_findings, refuse_unsafe_production
from kernel.settings import PROJECT_ROOT, Settings
from server.cli import directory_group

KEY = "Vq3x9LmT2pR7wZ8kN4bY6cF1hJ5sD0gA-uE_iO"
"""A random-looking key of 38 characters."""

GOOD = Settings(
    app_env="production",
    database_url="postgresql://directory@db.internal:5432/directory",
    secret_key=KEY,
    ledger_key=KEY[::-1],
    public_url="https://directory.example.org",
    trusted_proxies=("10.0.0.2",),
    redis_url="redis://cache.internal:6379/0",
    workers=4,
)
"""A production deployment as the README describes it."""

BAD = Settings(
    app_env="production",
    secret_key="changeme",
    password_hashing="test-only",
    public_url="http://directory.example.org",
    workers=3,
)
"""Everything a first production deployment tends to get wrong: a weak SECRET_KEY, no LEDGER_KEY, the test suite's
password hashing, SQLite, plain http, no proxy named, several workers counting apart."""


def check(settings: Settings, *options: str):
    return CliRunner().invoke(directory_group, ["check", *options], obj=settings)


def test_a_production_deployment_as_the_readme_describes_passes():
    assert deployment_findings(GOOD) == []
    result = check(GOOD)
    assert result.exit_code == 0 and "No findings." in result.output
    refuse_unsafe_production(GOOD)


def test_a_bad_production_deployment_gets_every_finding_most_serious_first():
    findings = deployment_findings(BAD)
    assert [(f.level, f.variable) for f in findings] == [
        ("CRITICAL", "LEDGER_KEY"),
        ("CRITICAL", "PASSWORD_HASHING"),
        ("ERROR", "SECRET_KEY"),
        ("ERROR", "DATABASE_URL"),
        ("ERROR", "PUBLIC_URL"),
        ("ERROR", "TRUSTED_PROXIES"),
        ("ERROR", "REDIS_URL"),
    ]
    assert all(f.fix.startswith(("Set ", "Serve ")) for f in findings)  # each says what to set
    result = check(BAD)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == "Checking the settings for production (APP_ENV=production):"
    assert lines[1].startswith("CRITICAL LEDGER_KEY: missing: production refuses to start without it")
    assert "ERROR    SECRET_KEY: weak, 8 characters" in result.output
    assert "ERROR    REDIS_URL: missing while WORKERS=3" in result.output
    assert lines[-1] == "2 critical, 5 error(s), 0 warning(s)"


def test_not_being_in_production_is_itself_an_error():
    findings = deployment_findings(Settings())
    assert ("ERROR", "APP_ENV") in [(f.level, f.variable) for f in findings]
    assert {"SECRET_KEY", "LEDGER_KEY"} <= {f.variable for f in findings if f.level == "CRITICAL"}
    refuse_unsafe_production(Settings())  # development starts without keys (made up in var/)


def test_warnings_fail_the_check_only_when_asked():
    one_server = dataclasses.replace(GOOD, redis_url="", workers=1)
    assert [(f.level, f.variable) for f in deployment_findings(one_server)] == [("WARNING", "REDIS_URL")]
    assert check(one_server).exit_code == 0
    assert check(one_server, "--fail-level", "warning").exit_code == 1
    assert check(one_server, "--fail-level", "CRITICAL").exit_code == 0


def test_keys_shared_proxies_that_believe_everyone_and_http_tiles_are_found():
    risky = dataclasses.replace(
        GOOD, ledger_key=KEY, trusted_proxies=("0.0.0.0/0",), map_tile_url="http://tiles.example.org/{z}/{x}/{y}.png"
    )
    found = {(f.level, f.variable): f.problem for f in deployment_findings(risky)}
    assert "the same as SECRET_KEY" in found["ERROR", "LEDGER_KEY"]
    assert "believes every address" in found["ERROR", "TRUSTED_PROXIES"]
    assert ("WARNING", "MAP_TILE_URL") in found


def test_a_key_of_one_character_repeated_is_weak():
    repeated = dataclasses.replace(GOOD, secret_key="a" * 64)
    assert [(f.level, f.variable) for f in deployment_findings(repeated)] == [("ERROR", "SECRET_KEY")]


def test_the_check_reads_the_environment_like_every_command():
    environment = {
        "APP_ENV": "production",
        "SECRET_KEY": KEY,
        "LEDGER_KEY": "",
        "PUBLIC_URL": "https://directory.example.org",
        "TRUSTED_PROXIES": "127.0.0.1",
    }
    result = CliRunner().invoke(directory_group, ["check"], env=environment)
    assert result.exit_code == 1
    assert "CRITICAL LEDGER_KEY" in result.output and "PUBLIC_URL" not in result.output


def test_the_readme_names_every_variable_the_check_can_report():
    readme = (PROJECT_ROOT / "README.md").read_text()
    paragraph = readme[readme.index("\nProduction (`directory-admin check`") :].split("\n\n")[0]
    named = set(re.findall(r"`([A-Z][A-Z_]+)(?:=[^`]*)?`", paragraph))
    variables = {field.name.upper() for field in dataclasses.fields(Settings)}
    assert named <= variables, named - variables
    reportable = {
        f.variable
        for settings in (
            BAD,
            Settings(),
            Settings(map_tile_url="http://t/{z}/{x}/{y}"),
            Settings(trusted_proxies=("::/0",)),
        )
        for f in deployment_findings(settings)
    }
    assert reportable <= named, reportable - named
