"""PASSWORD_HASHING: argon2id at full strength unless a test run asks for the cheap profile; either signs in."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
from click.testing import CliRunner
from litestar.testing import TestClient

from accounts.tables import Account
from kernel.settings import Settings
from server.app import create_app
from server.cli import directory_group

PASSWORD = "a long enough password"


def _create_admin(settings: Settings, email: str) -> None:
    arguments = ["accounts", "create-admin", "--email", email, "--name", "Admin", "--password", PASSWORD]
    result = CliRunner().invoke(directory_group, arguments, obj=settings)
    assert result.exit_code == 0, result.output


async def _hash_of(email: str) -> str:
    return (await Account.select(Account.password_hash).where(Account.email == email).first())["password_hash"]


PARAMETERS = {"argon2id": "$argon2id$v=19$m=65536,t=3,p=4$", "test-only": "$argon2id$v=19$m=8,t=1,p=1$"}


@pytest.mark.parametrize(("profile", "parameters"), list(PARAMETERS.items()))
def test_the_profile_sets_the_hash_cost_and_both_kinds_of_hash_sign_in(profile, parameters):
    settings = dataclasses.replace(Settings.from_environment(), password_hashing=profile)
    _create_admin(settings, f"{profile}@example.org")
    assert asyncio.run(_hash_of(f"{profile}@example.org")).startswith(parameters)
    # An app on the other profile still verifies it: a hash carries its own parameters.
    other = "test-only" if profile == "argon2id" else "argon2id"
    other_settings = dataclasses.replace(settings, password_hashing=other)
    with TestClient(app=create_app(other_settings)) as client:
        response = client.post("/api/auth/login", json={"email": f"{profile}@example.org", "password": PASSWORD})
        assert response.status_code == 200, response.text
        # A password changed through that app is hashed at the app's own profile.
        client.headers["x-csrftoken"] = client.cookies.get("csrftoken", "")
        change = {"current_password": PASSWORD, "new_password": PASSWORD + " again"}
        assert client.post("/api/auth/password", json=change).status_code == 200
    assert asyncio.run(_hash_of(f"{profile}@example.org")).startswith(PARAMETERS[other])


def test_the_default_is_full_strength():
    assert Settings().password_hashing == "argon2id"
