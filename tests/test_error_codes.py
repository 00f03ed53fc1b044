"""Every refusal is raised by code (convention 21): each raise of a domain error names an ErrorCode of the same
HTTP status with exactly that code's parameters, no page translates an English message, and every code's words
for people read in Spanish too, with the parameters filled in after translation and escaped on the page."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest
from litestar.exceptions import HTTPException
from markupsafe import Markup

import server.app  # noqa: F401 (imports every domain, so every code is defined)
from kernel.i18n import install_catalogs, use_language
from kernel.pages import PageError
from kernel.problems import (
    NOT_SIGNED_IN,
    TIME_OUT_OF_RANGE,
    DomainError,
    ErrorCode,
    Invalid,
    NotFound,
    error_codes,
    http_error_code,
)
from kernel.settings import PROJECT_ROOT, Settings
from server.templates import CATALOG_PACKAGES, template_config

PACKAGES = ("kernel", "accounts", "directory", "referrals", "server")


@pytest.fixture(autouse=True)
def catalogs():
    """The Spanish catalogs, as the app installs them; English again afterwards."""
    install_catalogs(PROJECT_ROOT / package / "locale" for package in CATALOG_PACKAGES)
    yield
    use_language("en")


def _modules() -> list[tuple[str, ast.Module]]:
    return _MODULES


def _parse_modules() -> list[tuple[str, ast.Module]]:
    found = []
    for package in PACKAGES:
        for path in sorted((PROJECT_ROOT / package).rglob("*.py")):
            if "piccolo_migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
            found.append((name.removesuffix(".__init__"), ast.parse(path.read_text(), str(path))))
    return found


# Parsed once, when this file is collected: CPython 3.11's parser can fail ("AST constructor recursion depth
# mismatch") in a process where another test has already caught a RecursionError (the too-deep JSON body tests).
_MODULES = _parse_modules()


def _raises(tree: ast.Module):
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            yield node.exc


def _resolved(module, node: ast.expr):
    if isinstance(node, ast.Name):
        return getattr(module, node.id, None)
    if isinstance(node, ast.Attribute):
        owner = _resolved(module, node.value)
        return getattr(owner, node.attr, None) if owner is not None else None
    return None


def test_every_domain_error_is_raised_by_code_with_its_parameters():
    checked = 0
    wrong = []
    for name, tree in _modules():
        module = importlib.import_module(name)
        for call in _raises(tree):
            kind = _resolved(module, call.func)
            where = f"{name}:{call.lineno}"
            if not (isinstance(kind, type) and issubclass(kind, DomainError)):
                continue
            checked += 1
            if not call.args:
                wrong.append(f"{where}: {kind.__name__} without a code")
                continue
            # The code may be chosen at run time (`check.refusal or CONSENT_MISSING`): every code named is checked.
            codes = [
                value
                for node in ast.walk(call.args[0])
                if isinstance(value := _resolved(module, node), ErrorCode) and isinstance(node, ast.Name)
            ]
            if not codes and isinstance(call.args[0], ast.Constant | ast.JoinedStr):
                wrong.append(f"{where}: {kind.__name__} raised with a message, not a code")
            given = {keyword.arg for keyword in call.keywords} - {"field"}
            for code in codes:
                if code.status != kind.status_code:
                    wrong.append(f"{where}: {code.code} is a {code.status}, raised as {kind.__name__}")
                if given != code.parameters - {"field"}:
                    wrong.append(f"{where}: {code.code} takes {sorted(code.parameters)}, given {sorted(given)}")
    assert not wrong, "\n".join(wrong)
    assert checked > 100


def test_no_refusal_is_raised_as_a_bare_http_exception():
    """Litestar raises its own HTTP errors (parsing, routing, rate limits); ours are domain errors with codes."""
    found = []
    for name, tree in _modules():
        module = importlib.import_module(name)
        for call in _raises(tree):
            kind = _resolved(module, call.func)
            if isinstance(kind, type) and issubclass(kind, HTTPException):
                found.append(f"{name}:{call.lineno}: {kind.__name__}")
    assert not found, found


def test_no_page_translates_an_english_message():
    """Pages look the words up from the code: no `gettext(str(error))`, no `N_()` copies of services' messages."""
    found = []
    for name, tree in _modules():
        if name == "kernel.problems":  # the one lookup: a code's own words
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "gettext"
                and node.args
                and not isinstance(node.args[0], ast.Constant)
                and not (isinstance(node.args[0], ast.Name) and node.args[0].id.isupper())
            ):
                found.append(f"{name}:{node.lineno}: gettext of a value made elsewhere")
            if isinstance(node, ast.Name) and node.id == "SERVICE_MESSAGES":
                found.append(f"{name}:{node.lineno}: SERVICE_MESSAGES")
    assert not found, found


def test_codes_are_unique_snake_case_and_their_words_name_parameters():
    codes = error_codes()
    assert len({error.code for error in codes}) == len(codes) > 100
    for error in codes:
        assert set(error.words) <= error.parameters, error
        assert error.message.strip() and error.detail.strip(), error
    with pytest.raises(ValueError, match="defined twice"):
        ErrorCode("consent_missing", 400, "again", "again")
    with pytest.raises(ValueError, match="snake_case"):
        ErrorCode("Consent-Missing", 400, "x", "x")


def test_every_code_reads_in_spanish_with_its_parameters_filled_in_after_translation():
    untranslated = []
    for error in error_codes():
        parameters = {name: f"<{name}>" for name in error.parameters}
        use_language("en")
        english = error.message_for(parameters)
        use_language("es")
        spanish = error.message_for(parameters)
        if spanish == english:
            untranslated.append(error.code)
        for name in error.parameters:
            if f"%({name})s" in error.message:
                assert f"<{name}>" in spanish, (error.code, spanish)
    use_language("en")
    assert not untranslated, untranslated


def test_a_code_takes_exactly_its_parameters_and_its_own_status():
    with pytest.raises(TypeError, match="takes"):
        Invalid(TIME_OUT_OF_RANGE, field="appointment_at")
    with pytest.raises(TypeError, match="is a 401"):
        NotFound(NOT_SIGNED_IN)
    refusal = Invalid(TIME_OUT_OF_RANGE, field="appointment_at", earliest=2000, latest=2100)
    assert str(refusal) == "appointment_at must be between 2000 and 2100"
    assert refusal.code == "time_out_of_range" and refusal.field == "appointment_at"
    use_language("es")
    try:
        assert refusal.message() == "Revise la fecha: debe estar entre los años 2000 y 2100."
    finally:
        use_language("en")
    assert http_error_code(422).code == "request_invalid" and http_error_code(502).code == "server_error"


def test_a_value_someone_typed_is_escaped_in_the_error_summary():
    environment = template_config(Settings()).instance.engine  # type: ignore[union-attr]
    summary = environment.get_template("layout/errors.html").module.summary  # type: ignore[attr-defined]
    typed = PageError("place_not_found", 'No place called <script>alert("x")</script>', "near")
    html = str(summary(typed, {"near": "near"}))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert not isinstance(typed.message, Markup)


def test_the_readme_documents_every_code():
    readme = Path(PROJECT_ROOT / "README.md").read_text()
    missing = [error.code for error in error_codes() if f"`{error.code}`" not in readme]
    assert not missing, f"README's error section lacks: {missing}"
