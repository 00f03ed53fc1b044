"""The server reports its engine and migrations, and documents every route in OpenAPI."""

import os


async def test_healthz_reports_engine_and_migrations(client):
    response = await client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    expected = "postgresql" if os.environ["DATABASE_URL"].startswith("postgres") else "sqlite"
    assert body["database"] == expected
    assert body["migrations_applied"] is True
    assert body["pending_migrations"] == []


async def test_openapi_lists_every_api_route(client):
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api",
        "/api/services",
        "/api/services/{service_id}",
        "/api/organizations",
        "/api/organizations/{organization_id}",
        "/api/taxonomy_terms",
        "/api/taxonomy_terms/{term_id}",
        "/api/service_at_locations",
        "/api/service_at_locations/{sal_id}",
        "/healthz",
    ):
        assert path in paths, path


async def test_hsds_base(client):
    body = (await client.get("/api/")).json()
    assert body["version"] == "3.0"
    assert body["openapi_url"].endswith("openapi.json")


async def test_healthz_answers_from_the_state_checked_at_start_up(monkeypatch):
    """The finding: /healthz read the migration files on every call (~170 ms)."""
    from litestar.testing import AsyncTestClient

    from server.app import create_app

    async with AsyncTestClient(app=create_app()) as client:

        async def must_not_run():
            raise AssertionError("healthz looked at the migrations again")

        monkeypatch.setattr("server.app.pending_migrations", must_not_run)
        for _ in range(3):
            response = await client.get("/healthz")
            assert response.status_code == 200 and response.json()["migrations_applied"] is True
