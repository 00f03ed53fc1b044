"""Language names and ISO 639-1 codes, so `language=es` and `language=Spanish` mean the same."""

from __future__ import annotations

__all__ = ["language_code"]

LANGUAGE_CODES = {
    "english": "en",
    "spanish": "es",
    "español": "es",
    "french": "fr",
    "chinese": "zh",
    "mandarin": "zh",
    "cantonese": "zh",
    "vietnamese": "vi",
    "korean": "ko",
    "russian": "ru",
    "arabic": "ar",
    "haitian creole": "ht",
    "creole": "ht",
    "portuguese": "pt",
    "tagalog": "tl",
    "polish": "pl",
    "somali": "so",
    "amharic": "am",
    "italian": "it",
    "german": "de",
    "japanese": "ja",
    "hindi": "hi",
    "bengali": "bn",
    "urdu": "ur",
    "american sign language": "asl",
    "asl": "asl",
    "sign language": "asl",
    "hmong": "hmn",
    "ukrainian": "uk",
    "farsi": "fa",
    "persian": "fa",
    "swahili": "sw",
    "nepali": "ne",
    "navajo": "nv",
}


def language_code(value: str | None) -> str | None:
    """'es' for 'es', 'ES', 'Spanish' or 'es-MX'; None when the language is not recognised."""
    if not value:
        return None
    text = value.strip().casefold()
    if text in LANGUAGE_CODES:
        return LANGUAGE_CODES[text]
    base = text.split("-")[0].split("_")[0]
    if len(base) in (2, 3) and base.isalpha():
        return base
    return None
