"""The pages' template engine: Jinja with every domain's templates, gettext and the page filters."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache, partial
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig
from markupsafe import Markup

from accounts.pages import home_page
from directory.hsds import source_text
from kernel import i18n, page_format
from kernel.i18n import LANGUAGES, current_language, install_catalogs
from kernel.pages import principal_in_context
from kernel.settings import PROJECT_ROOT, Settings
from server.static_assets import StaticAssets

__all__ = ["CATALOG_PACKAGES", "TEMPLATE_PACKAGES", "page_gettext", "page_ngettext", "template_config"]

TEMPLATE_PACKAGES = ("server", "accounts", "directory", "referrals")
"""Each keeps its templates in <package>/templates/<area>/ (server: the layout, which links every domain)."""
CATALOG_PACKAGES = ("kernel", "server", "accounts", "directory", "referrals")
"""Each keeps the Spanish for its page text in <package>/locale/es/LC_MESSAGES/messages.po."""


@lru_cache(maxsize=8192)
def _translated_markup(language: str, message: str) -> Markup:
    # Keyed by language: the catalogs are read once, so a message's translation never changes in a process.
    return Markup(i18n.translate(language, message))


@lru_cache(maxsize=8192)
def _translated_alone(language: str, message: str) -> Markup:
    # The words without variables, formatted once: "%%" is "%" here as in a message with variables.
    return _translated_markup(language, message) % {}


def page_gettext(message: str, **variables: Any) -> Markup:
    """`_()` and `gettext()` in templates: the message in the request's language, as Jinja's "newstyle" gettext
    makes it (escaped variables put into the translated words), without its three nested context calls: a results
    page says some hundred messages."""
    language = current_language()
    if not variables:
        return _translated_alone(language, message)
    return _translated_markup(language, message) % variables


def page_ngettext(singular: str, plural: str, num: int, **variables: Any) -> Markup:
    """`ngettext()` in templates: the singular or plural message for `num`, with `%(num)s` set, escaped as above."""
    variables.setdefault("num", num)
    return Markup(i18n.ngettext(singular, plural, num)) % variables


def template_config(settings: Settings, assets: StaticAssets | None = None) -> TemplateConfig:
    """Jinja over server/, accounts/, directory/ and referrals/ templates; escaping on; a missing variable is an
    error, not a blank (the browser tests would otherwise miss it); the settings are a global and set the filters'
    unit and time zone; `static_url()` links the static files by fingerprint. Installs the message catalogs too.
    Templates are compiled once and, in production, never looked at again (development checks them for edits)."""
    install_catalogs(PROJECT_ROOT / package / "locale" for package in CATALOG_PACKAGES)
    _translated_markup.cache_clear()
    _translated_alone.cache_clear()
    environment = Environment(
        loader=FileSystemLoader([PROJECT_ROOT / package / "templates" for package in TEMPLATE_PACKAGES]),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=not settings.production,
    )
    # The i18n extension is kept for `{% trans %}` and for Babel's extraction; the callables are ours.
    environment.install_gettext_callables(page_gettext, page_ngettext, newstyle=True)  # type: ignore[attr-defined]
    environment.globals.update(
        _=page_gettext,
        gettext=page_gettext,
        ngettext=page_ngettext,
        languages=LANGUAGES,
        current_language=current_language,
        settings=settings,
        static_url=(assets or StaticAssets(PROJECT_ROOT / "static")).url,
        uses_htmx=False,
    )
    environment.filters.update(
        distance=partial(page_format.distance, unit=settings.distance_unit),
        day=partial(page_format.day, time_zone=settings.time_zone),
        moment=partial(page_format.moment, time_zone=settings.time_zone),
        since=page_format.since,
        schedule_notes=source_text.schedule_notes,
        listing_contacts=source_text.listing_contacts,
    )
    engine = JinjaTemplateEngine.from_environment(environment)
    engine.register_template_callable("principal", principal_in_context)
    engine.register_template_callable("start_page", _start_page)
    return TemplateConfig(instance=engine)


def _start_page(context: Mapping[str, Any]) -> str:
    """Template callable `start_page()`: where the person looking starts (the directory, when nobody is signed in)."""
    return home_page(principal_in_context(context))
