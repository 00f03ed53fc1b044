"""Geocoding through geopy against a local server that answers like Nominatim, and its fallbacks."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from litestar.testing import AsyncTestClient

from directory.geo.geocoding import Geocoder
from kernel.settings import Settings
from server.app import create_app


class FakeNominatim(BaseHTTPRequestHandler):
    """Answers /search like Nominatim: a JSON list of places with lat/lon strings."""

    calls: list[str] = []
    delay = 0.0

    def do_GET(self):  # noqa: N802 - http.server's naming
        query = parse_qs(urlsplit(self.path).query).get("q", [""])[0]
        type(self).calls.append(query)
        time.sleep(type(self).delay)
        places = []
        if "Charles" in query:
            places = [{"lat": "39.2960", "lon": "-76.6155", "display_name": query, "place_id": 1}]
        body = json.dumps(places).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def nominatim():
    FakeNominatim.calls = []
    FakeNominatim.delay = 0.0
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeNominatim)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def settings_for(url: str, timeout: float = 2.0) -> Settings:
    return Settings(geocoder="nominatim", geocoder_url=url, geocoder_timeout=timeout, geocoder_min_delay=0.0)


async def test_address_geocoded_by_nominatim_and_cached(nominatim):
    geocoder = Geocoder(settings_for(nominatim))
    point = await geocoder.geocode("1 N Charles St, Baltimore, MD 21201")
    assert point is not None and point.precision == "address" and point.geocoder == "nominatim"
    assert point.latitude == pytest.approx(39.2960)
    again = await Geocoder(settings_for(nominatim)).geocode("1 n charles st,  Baltimore, MD 21201")
    assert again == point
    assert len(FakeNominatim.calls) == 1, "the same address must not be geocoded twice"


async def test_unknown_address_falls_back_to_zip_centroid(nominatim):
    point = await Geocoder(settings_for(nominatim)).geocode("999 Nowhere Rd, Baltimore, MD 21218")
    assert point is not None and point.precision == "zip"


async def test_slow_geocoder_degrades_to_offline_centroid(nominatim):
    FakeNominatim.delay = 1.5
    geocoder = Geocoder(settings_for(nominatim, timeout=0.3))
    point = await geocoder.geocode("1 N Charles St, Baltimore, MD 21201")
    assert point is not None and point.precision == "zip"
    # While it is known to be failing, the geocoder is not asked again.
    started = time.monotonic()
    await geocoder.geocode("2 N Charles St, Baltimore, MD 21202")
    assert time.monotonic() - started < 0.3


async def test_geocoder_down_never_causes_a_500(monkeypatch):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    app = create_app()
    app.state.geocoder = Geocoder(settings_for(f"http://127.0.0.1:{dead_port}", timeout=0.5))
    async with AsyncTestClient(app=app) as client:
        response = await client.get("/api/services", params={"near": "1 N Charles St, Baltimore, MD 21201"})
        assert response.status_code == 200
        response = await client.get("/api/services", params={"near": "somewhere unknown"})
        assert response.status_code == 400 and "near" in response.text


def test_import_uses_the_geocoder_for_locations_without_coordinates(nominatim, tmp_path):
    import dataclasses

    from click.testing import CliRunner

    from server.cli import directory_group

    package = tmp_path / "pkg"
    package.mkdir()
    (package / "organizations.csv").write_text("id,name,description\no1,Charles St Clinic,Clinic\n")
    (package / "services.csv").write_text("id,organization_id,name,status\ns1,o1,Bridge clinic,active\n")
    (package / "locations.csv").write_text("id,location_type,name\nl1,physical,Main\nl2,physical,Annex\n")
    (package / "addresses.csv").write_text(
        "id,location_id,address_1,city,state_province,postal_code,country,address_type\n"
        "a1,l1,1 N Charles St,Baltimore,MD,21201,US,physical\n"
        "a2,l2,5 Elm St,Baltimore,MD,21218,US,physical\n"
    )
    (package / "service_at_location.csv").write_text("id,service_id,location_id\nsl1,s1,l1\nsl2,s1,l2\n")
    settings = dataclasses.replace(
        Settings.from_environment(), geocoder="nominatim", geocoder_url=nominatim, geocoder_min_delay=0
    )
    result = CliRunner().invoke(directory_group, ["import", "--quiet", str(package)], obj=settings)
    assert result.exit_code == 0, result.output
    assert "address 1" in result.output and "zip 1" in result.output


async def test_a_street_address_placed_by_the_geocoder_says_so(nominatim):
    app = create_app()
    app.state.geocoder = Geocoder(settings_for(nominatim))
    async with AsyncTestClient(app=app) as client:
        response = await client.get("/api/services", params={"near": "1 N Charles St, Baltimore, MD"})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["located_as"] == "street address via the configured geocoder"
        assert body["search_centre"] == {"latitude": 39.2960, "longitude": -76.6155}
        # Places are found offline: the geocoder is asked only for the street address.
        for place in ("Baltimore, MD", "baltimore maryland", "21201"):
            assert (await client.get("/api/services", params={"near": place})).status_code == 200
        assert FakeNominatim.calls == ["1 N Charles St, Baltimore, MD"]
        # An address the geocoder does not know is not moved to the city centre.
        unknown = await client.get("/api/services", params={"near": "999 Nowhere Rd, Baltimore, MD"})
        assert unknown.status_code == 400 and unknown.json()["code"] == "address_not_placed"
