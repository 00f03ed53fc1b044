"""Languages recorded every which way count as their code, and everyday Spanish reads as the directory's words."""

import pytest

from directory.search.languages import language_code, language_codes
from directory.search.words import EVERYDAY_PHRASES, tokenize


@pytest.mark.parametrize(
    ("recorded", "codes"),
    [
        ("es", ["es"]),
        ("ES", ["es"]),
        ("Spanish", ["es"]),
        ("SPANISH", ["es"]),
        ("spanish ", ["es"]),
        ("Español", ["es"]),
        ("espanol", ["es"]),
        ("Castellano", ["es"]),
        ("es-MX", ["es"]),
        ("es_US", ["es"]),
        ("spa", ["es"]),
        ("Spanish (Mexico)", ["es"]),
        ("Spanish; English", ["es", "en"]),
        ("English, Spanish", ["en", "es"]),
        ("Spanish/English", ["es", "en"]),
        ("Español y English", ["es", "en"]),
        ("en; es-MX; fr", ["en", "es", "fr"]),
        ("Spanish-speaking staff", ["es"]),
        ("Spanish speaking staff", ["es"]),
        ("eng", ["en"]),
        ("Français", ["fr"]),
        ("fra", ["fr"]),
        ("Mandarin", ["zh"]),
        ("zh-Hant-TW", ["zh"]),
        ("中文", ["zh"]),
        ("Tiếng Việt", ["vi"]),
        ("vie", ["vi"]),
        ("한국어", ["ko"]),
        ("Русский", ["ru"]),
        ("Kreyòl Ayisyen", ["ht"]),
        ("Haitian Creole", ["ht"]),
        ("Português", ["pt"]),
        ("Tagalog", ["tl"]),
        ("ARABIC", ["ar"]),
        ("American Sign Language", ["asl"]),
        ("ASL", ["asl"]),
        ("Somali", ["so"]),
        ("haw", ["haw"]),
        ("", []),
        (None, []),
        ("??", []),
        ("Klingon", []),
    ],
)
def test_language_names_and_codes_in_every_form(recorded, codes):
    assert language_codes(recorded) == codes


def test_a_search_parameter_names_one_language():
    assert language_code("Español") == "es"
    assert language_code("es-MX") == "es"
    assert language_code("spa") == "es"
    assert language_code("Spanish; English") is None
    assert language_code("??") is None


def test_everyday_phrases_are_keyed_as_queries_tokenize_them():
    """Every everyday word or phrase can be typed: no accents needed, small words skipped."""
    for key, phrase in EVERYDAY_PHRASES.items():
        assert key == " ".join(tokenize(phrase.phrase)), phrase
        assert key.isascii(), phrase
    assert EVERYDAY_PHRASES["pase autobus"].phrase == "pase de autobús"
    assert tokenize("Médico, CLÍNICA y desintoxicación") == ["medico", "clinica", "desintoxicacion"]
