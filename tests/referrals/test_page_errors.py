"""The refusals a care manager or a partner meets on a form, through the pages, in English and in Spanish: each
says what to do in the person's words (looked up from its code, never the API's English detail), sits in an error
summary at the top linking to the field or section it concerns, and that field has the focus (`autofocus`, so
no JavaScript is needed). The API meanwhile answers the same refusal with its code and parameters."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from markupsafe import escape

from tests.referrals.conftest import START, change, consent, new_client, refer, sign_in

INLINE_CONSENT = {
    "record_consent": "true",
    "consent_purpose": "Referral and follow-up of care",
    "consent_information_scope": "contact_and_need",
    "consent_expiry_event": "End of the care coordination episode",
    "consent_expires_on": "",
    "consent_signed_name": "Jordan Quill",
    "consent_signature_method": "electronic",
}
THERE_IS_A_PROBLEM = {"en": "There is a problem", "es": "Hay un problema"}
LANGUAGES = pytest.mark.parametrize("language", ["en", "es"])


def refer_fields(world, **extra) -> dict:
    """The referral form for partner X's food pantry, warm handoff."""
    return {
        "service_at_location_id": world.food_x,
        "need": "food",
        "handoff_type": "warm_handoff",
        "priority": "routine",
        "goal": "",
        "note": "",
        "appointment_at": "",
        "consent_recipient": world.partner_x,
        **extra,
    }


async def post_form(client, path: str, fields: dict, language: str):
    """A form posted by a browser speaking `language` (the CSRF token travels in the header the client adds)."""
    return await client.post(path, data=fields, headers={"Accept-Language": language}, follow_redirects=False)


def summary_of(page) -> str:
    """The error summary at the top of the page."""
    found = re.search(r'<div class="error-summary" role="alert".*?</div>', page.text, re.S)
    assert found, page.text[-3000:]
    return found.group(0)


def focused(page) -> str:
    """The one form field the page gives the focus."""
    fields = re.findall(r"<(?:input|select|textarea)\b[^>]*\bautofocus\b[^>]*>", page.text)
    assert len(fields) == 1, fields
    return fields[0]


def assert_refusal(page, status: int, code: str, words: str, language: str, *, link: str | None = None) -> str:
    """The page says `words` in the summary (linking to `link`), carries the code, and shows no API detail."""
    assert page.status_code == status, page.text[-2000:]
    assert page.headers["content-type"].startswith("text/html")
    summary = summary_of(page)
    assert f'data-error-code="{code}"' in summary and THERE_IS_A_PROBLEM[language] in summary
    assert str(escape(words)) in summary, summary
    if link is not None:
        assert f'<a href="#{link}">{escape(words)}</a>' in summary, summary
        assert f'id="{link}"' in page.text
    shown = re.sub(r"<[^>]+>", "", summary)
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", shown), shown  # no API field names in what a person reads
    return summary


# --- referring: consent ------------------------------------------------------------------------------------------

CONSENT_MISSING = {
    "en": "Record the client's consent below to send this referral.",
    "es": "Registre abajo el consentimiento del cliente para enviar este referido.",
}


@LANGUAGES
async def test_referring_without_consent_says_to_record_it_and_focuses_the_consent_section(world, client, language):
    client_id = await new_client(client)
    page = await post_form(client, f"/app/clients/{client_id}/refer", refer_fields(world), language)
    assert_refusal(page, 400, "consent_missing", CONSENT_MISSING[language], language, link="consent-section")
    assert 'name="record_consent"' in focused(page)
    assert f'<html lang="{language}">' in page.text
    assert "discloses client information" not in page.text
    assert (await client.get("/api/referrals")).json()["total_items"] == 0


async def test_the_api_answers_the_same_refusal_with_its_code_and_parameters(world, client):
    client_id = await new_client(client)
    body = {
        "client_id": client_id,
        "service_at_location_id": world.food_x,
        "need": "food",
        "handoff_type": "warm_handoff",
    }
    response = await client.post("/api/referrals", json=body, headers={"Accept-Language": "es"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json() == {
        "status": 400,
        "type": "about:blank",
        "title": "Bad Request",
        "detail": "a warm_handoff referral discloses client information to the partner: no consent: consent_id must "
        "name the client's consent",
        "code": "consent_missing",
        "parameters": {"handoff_type": "warm_handoff"},
    }
    schema = (await client.get("/schema/openapi.json")).json()
    code = schema["components"]["schemas"]["Problem"]["properties"]["code"]
    assert {"consent_missing", "stale_version", "sign_in_refused", "request_invalid"} <= set(code["enum"])


CONSENT_LAPSED = {
    ("revoked", "en"): "The client revoked their consent. To send this referral, record the consent the client signs "
    "now, below.",
    ("revoked", "es"): "El cliente revocó su consentimiento. Para enviar este referido, registre abajo el "
    "consentimiento que el cliente firma ahora.",
    ("expired", "en"): "The client's consent has expired. To send this referral, record the consent the client signs "
    "now, below.",
    ("expired", "es"): "El consentimiento del cliente venció. Para enviar este referido, registre abajo el "
    "consentimiento que el cliente firma ahora.",
}


@pytest.mark.parametrize(("lapse", "language"), list(CONSENT_LAPSED))
async def test_a_revoked_or_expired_consent_says_to_record_a_new_one(world, client, clock, lapse, language):
    """The form was opened while the consent covered the partner; it lapsed before the care manager sent it."""
    client_id = await new_client(client)
    consent_id = await consent(client, client_id, world.partner_x, expires_at=f"{START.date()}T23:00:00Z")
    if lapse == "revoked":
        await client.post(f"/api/clients/{client_id}/consents/{consent_id}/revoke")
    else:
        clock.advance(days=1)
    fields = refer_fields(world, consent_id=consent_id)
    page = await post_form(client, f"/app/clients/{client_id}/refer", fields, language)
    words = CONSENT_LAPSED[(lapse, language)]
    assert_refusal(page, 400, f"consent_{lapse}", words, language, link="consent-section")
    assert 'name="record_consent"' in focused(page)
    assert (await client.get("/api/referrals")).json()["total_items"] == 0


# --- referring: dates --------------------------------------------------------------------------------------------

BAD_DATE = {
    "en": "The date and time could not be read. Choose them again in the calendar.",
    "es": "No se pudo leer la fecha y hora. Vuelva a elegirlas en el calendario.",
}
EXPIRY_PAST = {
    "en": "The end date has already passed. Choose a later date, or leave the date empty and name an event.",
    "es": "La fecha de vencimiento ya pasó. Elija una fecha posterior, o deje la fecha vacía e indique un evento.",
}


@LANGUAGES
async def test_a_bad_appointment_date_keeps_the_form_and_focuses_the_date(world, client, language):
    client_id = await new_client(client)
    fields = refer_fields(world, appointment_at="next tuesday", note="Call before noon", **INLINE_CONSENT)
    page = await post_form(client, f"/app/clients/{client_id}/refer", fields, language)
    assert_refusal(page, 400, "date_time_unreadable", BAD_DATE[language], language, link="appointment_at")
    assert 'id="appointment_at"' in focused(page) and 'value="next tuesday"' in focused(page)
    assert "Call before noon" in page.text  # what was typed is kept


@LANGUAGES
async def test_a_consent_expiring_in_the_past_is_refused_on_the_referral_form(world, client, language):
    client_id = await new_client(client)
    expired_on = (START - dt.timedelta(days=1)).date().isoformat()
    fields = refer_fields(world, **{**INLINE_CONSENT, "consent_expires_on": expired_on})
    page = await post_form(client, f"/app/clients/{client_id}/refer", fields, language)
    assert_refusal(page, 400, "consent_expiry_past", EXPIRY_PAST[language], language, link="consent_expires_on")
    assert 'id="consent_expires_on"' in focused(page)
    assert (await client.get(f"/api/clients/{client_id}/consents")).json() == []


@LANGUAGES
async def test_a_consent_expiring_in_the_past_is_refused_on_the_client_page(world, client, language):
    client_id = await new_client(client)
    fields = {
        "recipient": world.partner_x,
        "purpose": "Shelter referral",
        "information_scope": "contact_and_need",
        "expiry_event": "",
        "expires_on": (START - dt.timedelta(days=1)).date().isoformat(),
        "signed_name": "Jordan Quill",
        "signature_method": "paper",
    }
    page = await post_form(client, f"/app/clients/{client_id}/consents", fields, language)
    assert_refusal(page, 400, "consent_expiry_past", EXPIRY_PAST[language], language, link="expires_on")
    assert 'id="expires_on"' in focused(page)
    assert "<details open>" in page.text and 'value="Shelter referral"' in page.text
    assert (await client.get(f"/api/clients/{client_id}/consents")).json() == []


# --- changing a referral -----------------------------------------------------------------------------------------

STALE = {
    "en": "Someone else updated this referral while you had it open. Here it is as it is now: check it and try again.",
    "es": "Otra persona actualizó este referido mientras usted lo tenía abierto. Aquí está como quedó: revíselo e "
    "intente de nuevo.",
}
ONLY_THE_PARTNER = {
    "en": "Only the partner can make this change.",
    "es": "Solo la agencia asociada puede hacer este cambio.",
}


async def _referral_to_x(client, world) -> dict:
    client_id = await new_client(client)
    return await refer(client, client_id, world.food_x, await consent(client, client_id, world.partner_x))


@LANGUAGES
async def test_a_stale_version_shows_the_referral_as_it_is_now(world, client, language):
    referral = await _referral_to_x(client, world)
    await change(client, referral, note="Called the pantry")
    path = f"/app/referrals/{referral['id']}"
    page = await post_form(client, f"{path}/events", {"version": "1", "note": "Left a message"}, language)
    assert_refusal(page, 409, "stale_version", STALE[language], language)
    assert 'name="version" value="2"' in page.text and "Left a message" in page.text


@LANGUAGES
async def test_a_change_that_is_the_partners_says_so(world, client, language):
    referral = await _referral_to_x(client, world)
    page = await post_form(
        client, f"/app/referrals/{referral['id']}/events", {"version": "1", "status": "accepted"}, language
    )
    assert_refusal(page, 409, "transition_by_other_side", ONLY_THE_PARTNER[language], language, link="status")
    assert 'id="status"' in focused(page)


NO_REASON_TEXT = {
    "en": "Say in a few words what happened: this change needs a reason.",
    "es": "Diga en pocas palabras qué pasó: este cambio necesita un motivo.",
}
NOT_POSSIBLE = {
    "en": "This change is not possible from the referral's current status. Choose one of the changes offered.",
    "es": "Este cambio no es posible desde el estado actual del referido. Elija uno de los cambios ofrecidos.",
}
PARTNER_STALE = STALE


async def _partner_opens(client, world) -> str:
    referral = await _referral_to_x(client, world)
    await sign_in(client, "x@example.org")
    url = f"/partner/referrals/{referral['id']}"
    assert (await client.get(url)).status_code == 200
    acknowledged = await post_form(client, f"{url}/events", {"version": "1", "status": "received"}, "en")
    assert acknowledged.status_code == 303  # received: version 2
    return url


@LANGUAGES
async def test_a_partner_declining_without_saying_why_is_asked_to(world, client, language):
    url = await _partner_opens(client, world)
    fields = {"version": "2", "status": "rejected", "confirm": "yes", "reason_code": "no_capacity", "reason_text": "  "}
    page = await post_form(client, f"{url}/events", fields, language)
    assert_refusal(page, 409, "reason_text_required", NO_REASON_TEXT[language], language, link="reason-text-rejected")
    assert 'id="reason-text-rejected"' in focused(page)


@LANGUAGES
async def test_a_partner_change_the_status_does_not_allow(world, client, language):
    url = await _partner_opens(client, world)
    page = await post_form(client, f"{url}/events", {"version": "2", "status": "completed", "confirm": "yes"}, language)
    assert_refusal(page, 409, "transition_not_allowed", NOT_POSSIBLE[language], language)


@LANGUAGES
async def test_a_partner_acting_on_a_stale_version(world, client, language):
    url = await _partner_opens(client, world)
    assert (await post_form(client, f"{url}/events", {"version": "2", "status": "accepted"}, "en")).status_code == 303
    fields = {"version": "2", "status": "rejected", "confirm": "yes", "reason_code": "other", "reason_text": "Full"}
    page = await post_form(client, f"{url}/events", fields, language)
    assert_refusal(page, 409, "stale_version", PARTNER_STALE[language], language)
    assert 'value="3"' in page.text
