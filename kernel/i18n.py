"""The language of a page: English or Spanish, chosen per request, with one message catalog per domain.

Catalogs are gettext `.po` files (`<package>/locale/es/LC_MESSAGES/*.po`, extracted with Babel from the
templates and the Python code) read once at start-up; there is no compiled `.mo` to forget to rebuild.
The language is a context variable, so a template and a flash message made during the same request agree.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "LANGUAGE_COOKIE",
    "N_",
    "catalog_files",
    "choose_language",
    "current_language",
    "gettext",
    "install_catalogs",
    "ngettext",
    "translate",
    "use_language",
]

LANGUAGES = {"en": "English", "es": "Español"}
"""The languages the pages speak, each named in itself (as a language switch shows them)."""
DEFAULT_LANGUAGE = "en"
LANGUAGE_COOKIE = "lang"
"""Remembers a visitor's choice; it identifies nobody, so anonymous visitors get it too."""
_catalog_folders: tuple[Path, ...] = ()
"""The `locale/` folders gettext reads, given by whoever assembles the app (`install_catalogs`)."""

_language: ContextVar[str] = ContextVar("language", default=DEFAULT_LANGUAGE)


def install_catalogs(folders: Iterable[Path]) -> None:
    """Read messages from these `locale/` folders (one per package that has page text), from now on."""
    global _catalog_folders
    _catalog_folders = tuple(folders)
    _translations.cache_clear()


def catalog_files(language: str) -> list[Path]:
    """Every installed `.po` file for the language."""
    return sorted(path for folder in _catalog_folders for path in (folder / language / "LC_MESSAGES").glob("*.po"))


@lru_cache(maxsize=len(LANGUAGES))
def _translations(language: str) -> NullTranslations:
    merged: Translations | None = None
    for path in catalog_files(language):
        with path.open("rb") as po:
            catalog = read_po(po, locale=language)
        compiled = io.BytesIO()
        write_mo(compiled, catalog)
        compiled.seek(0)
        translations = Translations(compiled)
        if merged is None:
            merged = translations
        else:
            merged.merge(translations)
    return merged or NullTranslations()


def N_(message: str) -> str:
    """Marks a message made elsewhere (a service's refusal) for the catalog; `gettext` translates it where a
    page shows it."""
    return message


def use_language(language: str) -> None:
    """Speak this language for the rest of the request."""
    _language.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)


def current_language() -> str:
    """The request's language."""
    return _language.get()


def gettext(message: str) -> str:
    """The message in the request's language (itself when not translated)."""
    return _translations(_language.get()).gettext(message)


def translate(language: str, message: str) -> str:
    """The message in the given language (itself when not translated)."""
    return _translations(language).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural message for n, in the request's language."""
    return _translations(_language.get()).ngettext(singular, plural, n)


def choose_language(asked: str | None, remembered: str | None, accept_language: str) -> str:
    """The language to speak: the one just asked for (?lang=), the remembered one (cookie), or the browser's
    first supported preference."""
    for choice in (asked, remembered):
        if choice in LANGUAGES:
            return choice
    preferences = []
    for part in accept_language.split(","):
        tag, _, quality = part.strip().partition(";q=")
        try:
            weight = float(quality) if quality else 1.0
        except ValueError:
            continue
        preferences.append((weight, tag.split("-", 1)[0].lower()))
    for _, tag in sorted(preferences, key=lambda p: -p[0]):
        if tag in LANGUAGES:
            return tag
    return DEFAULT_LANGUAGE
