"""The pages' template engine: Jinja with every domain's templates, gettext and the page filters."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from accounts.pages import home_page
from directory.hsds import source_text
from kernel import page_format
from kernel.i18n import LANGUAGES, current_language, gettext, install_catalogs, ngettext
from kernel.pages import principal_in_context
from kernel.settings import PROJECT_ROOT, Settings

__all__ = ["CATALOG_PACKAGES", "TEMPLATE_PACKAGES", "template_config"]

TEMPLATE_PACKAGES = ("server", "accounts", "directory", "referrals")
"""Each keeps its templates in <package>/templates/<area>/ (server: the layout, which links every domain)."""
CATALOG_PACKAGES = ("kernel", "server", "accounts", "directory", "referrals")
"""Each keeps the Spanish for its page text in <package>/locale/es/LC_MESSAGES/messages.po."""


def template_config(settings: Settings) -> TemplateConfig:
    """Jinja over server/, accounts/, directory/ and referrals/ templates; escaping on; a missing variable is an
    error, not a blank (the browser tests would otherwise miss it); the settings are a global and set the filters'
    unit and time zone. Installs the message catalogs too."""
    install_catalogs(PROJECT_ROOT / package / "locale" for package in CATALOG_PACKAGES)
    environment = Environment(
        loader=FileSystemLoader([PROJECT_ROOT / package / "templates" for package in TEMPLATE_PACKAGES]),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    environment.globals.update(
        languages=LANGUAGES,
        current_language=current_language,
        settings=settings,
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
