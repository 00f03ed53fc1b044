"""Staff sign in, change password, sign out, in a real browser; a wrong password says so on the form."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_a_wrong_password_is_refused_on_the_form(visitor_factory, width):
    visitor = visitor_factory(width)
    page = visitor.visit("/app/sign-in", "sign-in")
    page.get_by_label("E-mail").fill("care.manager@demo.example")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("alert").wait_for()
    assert "The e-mail address or the password is not right" in page.get_by_role("alert").inner_text()
    # Autofocus lands once the page has loaded, which may be after the alert is in the DOM: expect() waits.
    expect(page.locator("#email")).to_be_focused()
    visitor.check("sign-in-refused")


def test_sign_in_and_out_in_spanish(visitor_factory):
    visitor = visitor_factory("phone")
    page = visitor.visit("/app/sign-in", "sign-in")
    page.get_by_role("link", name="Español").click()
    assert page.locator("html").get_attribute("lang") == "es"
    visitor.check("sign-in-es")
    page.get_by_label("Correo electrónico").fill("partner1@demo.example")
    page.get_by_label("Contraseña").fill("demo-password-2026")
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_url(re.compile("/partner/"))
    page.get_by_role("button", name="Cerrar sesión").click()
    page.wait_for_url(re.compile("/app/sign-in"))
    assert "Cerró la sesión" in page.content()


@pytest.mark.parametrize("javascript", [True, False])
def test_password_page_refuses_two_different_new_passwords(visitor_factory, javascript):
    visitor = visitor_factory("desktop", javascript=javascript)
    visitor.sign_in("admin@demo.example")
    page = visitor.visit("/app/password", "password")
    page.get_by_label("Current password").fill("demo-password-2026")
    page.locator("#new_password").fill("a-long-new-password-1")
    page.get_by_label("New password again").fill("a-long-new-password-2")
    page.get_by_role("button", name="Change password").click()
    page.get_by_role("alert").wait_for()
    assert "not the same" in page.get_by_role("alert").inner_text()
