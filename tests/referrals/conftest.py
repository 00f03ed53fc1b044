"""Shared people and places for referral tests: two care teams, two partner organizations, a clock."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass

import pytest
from litestar.testing import AsyncTestClient

from accounts.services.accounts import create_account, create_care_team
from accounts.services.principal import principal_for_account
from accounts.services.tokens import issue_token, revoke_token
from accounts.tables import Account
from directory.tables import Attribute, Location, Organization, Service, ServiceAtLocation, TaxonomyTerm
from directory.taxonomy.categories import term_id
from directory.taxonomy.mapping import remap_terms
from kernel.clock import FixedClock
from tests.apps import app_for_test
from tests.conftest import empty_database, send_csrf_header
from tests.saved_states import restore_or_build

PASSWORD = "correct horse battery"
START = dt.datetime(2026, 3, 2, 14, 0, tzinfo=dt.UTC)
CLIENT = {
    "preferred_name": "Jordan Quill",
    "contact_methods": [
        {"method": "text", "value": "555-0142", "may_use": True},
        {"method": "phone", "value": "555-0199", "may_use": False},
    ],
    "preferred_language": "en",
    "home_postal_code": "21201",
    "goals": "Stay on buprenorphine and get my own place",
    "strengths": "Loves cooking",
    "informal_supports": [{"name": "Aunt Rose", "relationship": "aunt", "may_contact": True}],
}


@dataclass
class World:
    """Ids of what the tests refer to."""

    partner_x: str
    partner_y: str
    food_x: str
    """A food pantry of partner X (service at location id)."""
    otp_x: str
    """An opioid treatment program of partner X (the directory lists it as SUD treatment)."""
    shelter_y: str
    recovery_y: str
    """Peer recovery coaching of partner Y: SUD-related, but no treating provider."""
    sober_living_y: str
    """A recovery residence of partner Y: housing, and SUD-related (it tells that the client uses drugs)."""
    airs_otp_x: str
    """A methadone program of partner X categorised only by a 211's AIRS term ("Methadone Maintenance")."""
    token_x: str
    revoked_token: str
    spare_token_id: str
    """A live token of partner X that a test may revoke."""
    page_spare_token_id: str
    """Another live token of partner X, for revoking through the tokens page."""


async def _place(organization_id, name: str, categories: tuple[str, ...] = ()) -> str:
    """A listing of the organization, categorised as the directory would (e.g. moud.methadone)."""
    service = await Service.insert(Service(organization=organization_id, name=name)).returning(Service.id)
    for code in categories:
        await Attribute.insert(
            Attribute(link_id=service[0]["id"], link_entity="service", taxonomy_term=term_id(code), value="")
        )
    location = await Location.insert(Location(organization=organization_id, name=f"{name} site")).returning(Location.id)
    sal = await ServiceAtLocation.insert(
        ServiceAtLocation(service=service[0]["id"], location=location[0]["id"])
    ).returning(ServiceAtLocation.id)
    return str(sal[0]["id"])


async def _airs_place(organization_id, name: str, code: str, term_name: str) -> str:
    """A listing whose only term is an outside taxonomy's, categorised by the shipped mapping."""
    term = await TaxonomyTerm.insert(TaxonomyTerm(code=code, name=term_name, taxonomy="AIRS")).returning(
        TaxonomyTerm.id
    )
    await remap_terms()
    sal = await _place(organization_id, name)
    service = await ServiceAtLocation.select(ServiceAtLocation.service).where(ServiceAtLocation.id == sal).first()
    await Attribute.insert(
        Attribute(link_id=service["service"], link_entity="service", taxonomy_term=term[0]["id"], value="")
    )
    return sal


async def _world() -> World:
    team_a = await create_care_team("Team A")
    team_b = await create_care_team("Team B")
    await create_account("a@example.org", "Manager A", PASSWORD, "care_manager", care_team_id=team_a)
    await create_account("a2@example.org", "Manager A2", PASSWORD, "care_manager", care_team_id=team_a)
    await create_account("b@example.org", "Manager B", PASSWORD, "care_manager", care_team_id=team_b)
    x = (await Organization.insert(Organization(name="Harbor Services")).returning(Organization.id))[0]["id"]
    y = (await Organization.insert(Organization(name="Eastside Shelter")).returning(Organization.id))[0]["id"]
    await create_account(
        "x@example.org", "Staff X", PASSWORD, "partner_staff", organization_id=x, is_partner_admin=True
    )
    await create_account("y@example.org", "Staff Y", PASSWORD, "partner_staff", organization_id=y)
    await create_account("admin@example.org", "Admin", PASSWORD, "admin")
    x_admin = principal_for_account(await Account.select().where(Account.email == "x@example.org").first())
    _, token_x = await issue_token(x_admin, x, "Harbor EHR")
    revoked_id, revoked = await issue_token(x_admin, x, "Old system")
    await revoke_token(x_admin, revoked_id)
    spare_id, _ = await issue_token(x_admin, x, "Spare")
    page_spare_id, _ = await issue_token(x_admin, x, "Spare for the page")
    return World(
        partner_x=str(x),
        partner_y=str(y),
        food_x=await _place(x, "Harbor Food Pantry", ("food", "food.pantry")),
        otp_x=await _place(x, "Harbor Opioid Treatment Program", ("moud", "moud.methadone")),
        shelter_y=await _place(y, "Eastside Night Shelter", ("housing", "housing.shelter")),
        recovery_y=await _place(y, "Eastside Peer Recovery Hub", ("moud", "moud.recovery_support")),
        sober_living_y=await _place(y, "Eastside Recovery Residence", ("housing", "housing.recovery_housing")),
        airs_otp_x=await _airs_place(x, "Harbor Dosing Clinic", "RX-8450.5000", "Methadone Maintenance"),
        token_x=token_x,
        revoked_token=revoked,
        spare_token_id=str(spare_id),
        page_spare_token_id=str(page_spare_id),
    )


@pytest.fixture
def world(migrated_database) -> World:
    """People and places, made before the app starts (PostgreSQL pools live in the app's loop): built once per
    test process on the empty directory, then copied back for each test."""

    def build() -> World:
        empty_database()
        return asyncio.run(_world())

    return restore_or_build("world", build)


@pytest.fixture
def clock() -> FixedClock:
    """The app's clock, moved by hand."""
    return FixedClock(START)


@pytest.fixture
async def client(clock):
    """An HTTP client to an app running on the test clock."""
    async with AsyncTestClient(app=await app_for_test(clock)) as test_client:
        yield send_csrf_header(test_client)


async def sign_in(client, email: str) -> None:
    """Sign in through the API (the session cookie stays on the client)."""
    await client.post("/api/auth/logout")
    response = await client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text


async def new_client(client) -> str:
    """A client of team A (signs in as manager A)."""
    await sign_in(client, "a@example.org")
    response = await client.post("/api/clients", json=CLIENT)
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def consent(client, client_id: str, organization_id: str, scope: str = "contact_and_need", **extra) -> str:
    """A signed consent naming the organization (as manager A)."""
    body = {
        "recipient_organization_id": organization_id,
        "purpose": "Referral and care coordination",
        "information_scope": scope,
        "expiry_event": "End of the care coordination episode",
        "signed_name": "Jordan Quill",
        **extra,
    }
    response = await client.post(f"/api/clients/{client_id}/consents", json=body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def refer(client, client_id: str, sal_id: str, consent_id: str | None, **extra) -> dict:
    """A referral (as the signed-in care manager)."""
    body = {
        "client_id": client_id,
        "service_at_location_id": sal_id,
        "need": "food",
        "handoff_type": "warm_handoff",
        "goal": "Groceries while I start buprenorphine",
        "consent_id": consent_id,
        **extra,
    }
    response = await client.post("/api/referrals", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def change(client, referral: dict, expect: int = 201, **body) -> dict:
    """Append an event based on the referral's version; returns the new referral view."""
    payload = {"version": referral["version"], **body}
    response = await client.post(f"/api/referrals/{referral['id']}/events", json=payload)
    assert response.status_code == expect, response.text
    return response.json()
