"""Every text a page shows has a Spanish translation, with the same placeholders as the English."""

from __future__ import annotations

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from kernel.settings import PROJECT_ROOT
from server.templates import CATALOG_PACKAGES


def _extracted(package: str) -> set[str]:
    with (PROJECT_ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = set()
    for _, _, message, _, _ in extract_from_dir(PROJECT_ROOT / package, method_map, options_map):
        found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.parametrize("package", CATALOG_PACKAGES)
def test_every_page_text_has_a_spanish_translation(package):
    with (PROJECT_ROOT / package / "locale" / "es" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale="es")
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog
        if m.id and "fuzzy" not in m.flags and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }
    missing = sorted(_extracted(package) - translated)
    assert not missing, f"untranslated in {package} (run `make messages` and translate): {missing}"
    broken = [(message.id, [str(e) for e in errors]) for message, errors in catalog.check() if errors]
    assert not broken, f"translations whose placeholders differ from the English: {broken}"
