"""Language names and codes to ISO 639-1 codes, so `language=es`, `Spanish`, `Español` and `spa` mean the same.

Packages record languages every which way: codes ('es', 'es-MX', 'spa'), English names ('Spanish',
'SPANISH'), the language's own name ('Español', 'espanol'), or several in one field ('Spanish; English').
"""

from __future__ import annotations

import re

from directory.search.folding import folded

__all__ = ["language_code", "language_codes"]

#: Names (English and the language's own; looked up without case or accents) -> ISO 639-1 code (or the 639-3
#: code when a language has no 639-1 code, as Hmong; 'asl' for American Sign Language, as packages write it).
LANGUAGE_NAMES = {
    "english": "en",
    "ingles": "en",
    "spanish": "es",
    "espanol": "es",
    "castellano": "es",
    "french": "fr",
    "francais": "fr",
    "chinese": "zh",
    "mandarin": "zh",
    "cantonese": "zh",
    "putonghua": "zh",
    "zhongwen": "zh",
    "中文": "zh",
    "vietnamese": "vi",
    "tieng viet": "vi",
    "korean": "ko",
    "한국어": "ko",
    "russian": "ru",
    "русский": "ru",
    "arabic": "ar",
    "العربية": "ar",
    "haitian creole": "ht",
    "haitian": "ht",
    "kreyol": "ht",
    "kreyol ayisyen": "ht",
    "creole": "ht",
    "portuguese": "pt",
    "portugues": "pt",
    "tagalog": "tl",
    "filipino": "tl",
    "polish": "pl",
    "polski": "pl",
    "somali": "so",
    "soomaali": "so",
    "amharic": "am",
    "italian": "it",
    "italiano": "it",
    "german": "de",
    "deutsch": "de",
    "japanese": "ja",
    "日本語": "ja",
    "hindi": "hi",
    "bengali": "bn",
    "bangla": "bn",
    "urdu": "ur",
    "american sign language": "asl",
    "asl": "asl",
    "sign language": "asl",
    "hmong": "hmn",
    "ukrainian": "uk",
    "farsi": "fa",
    "persian": "fa",
    "dari": "fa",
    "swahili": "sw",
    "kiswahili": "sw",
    "nepali": "ne",
    "navajo": "nv",
    "dine bizaad": "nv",
    "burmese": "my",
    "khmer": "km",
    "cambodian": "km",
    "lao": "lo",
    "thai": "th",
    "turkish": "tr",
    "greek": "el",
    "hebrew": "he",
    "yiddish": "yi",
    "punjabi": "pa",
    "gujarati": "gu",
    "tamil": "ta",
    "telugu": "te",
    "romanian": "ro",
    "serbian": "sr",
    "croatian": "hr",
    "bosnian": "bs",
    "albanian": "sq",
    "armenian": "hy",
    "tigrinya": "ti",
    "oromo": "om",
    "yoruba": "yo",
    "igbo": "ig",
    "pashto": "ps",
    "kurdish": "ku",
}

#: ISO 639-2/3 codes of the languages above -> their ISO 639-1 code ('spa' -> 'es').
THREE_LETTER_CODES = {
    "eng": "en",
    "spa": "es",
    "fra": "fr",
    "fre": "fr",
    "zho": "zh",
    "chi": "zh",
    "cmn": "zh",
    "yue": "zh",
    "vie": "vi",
    "kor": "ko",
    "rus": "ru",
    "ara": "ar",
    "hat": "ht",
    "por": "pt",
    "tgl": "tl",
    "fil": "tl",
    "pol": "pl",
    "som": "so",
    "amh": "am",
    "ita": "it",
    "deu": "de",
    "ger": "de",
    "jpn": "ja",
    "hin": "hi",
    "ben": "bn",
    "urd": "ur",
    "ase": "asl",
    "sgn": "asl",
    "ukr": "uk",
    "fas": "fa",
    "per": "fa",
    "prs": "fa",
    "swa": "sw",
    "swh": "sw",
    "nep": "ne",
    "nav": "nv",
    "mya": "my",
    "bur": "my",
    "khm": "km",
    "lao": "lo",
    "tha": "th",
    "tur": "tr",
    "ell": "el",
    "gre": "el",
    "heb": "he",
    "yid": "yi",
    "pan": "pa",
    "guj": "gu",
    "tam": "ta",
    "tel": "te",
    "ron": "ro",
    "rum": "ro",
    "srp": "sr",
    "hrv": "hr",
    "bos": "bs",
    "sqi": "sq",
    "alb": "sq",
    "hye": "hy",
    "arm": "hy",
    "tir": "ti",
    "orm": "om",
    "yor": "yo",
    "ibo": "ig",
    "pus": "ps",
    "kur": "ku",
}

# Between languages in one field: 'Spanish; English', 'en, es', 'Spanish/English', 'Spanish and English'.
_LIST_SEPARATORS = re.compile(r"\s*(?:[;,/|&+]|\band\b|\by\b)\s*")
_REGION = re.compile(r"^([a-z]{2,3})(?:[-_][a-z0-9]{2,8})+$")  # es-MX, zh_Hant_TW


def _folded(text: str) -> str:
    """Lower case without accents or brackets: 'Español (México)' -> 'espanol mexico'."""
    return " ".join(re.sub(r"[()\[\].:\"']", " ", folded(text)).split())


_FOLDED_NAMES = {_folded(name): code for name, code in LANGUAGE_NAMES.items()}
_LONGEST_NAMES_FIRST = sorted(_FOLDED_NAMES, key=len, reverse=True)


def _one_code(part: str) -> str | None:
    if part in _FOLDED_NAMES:
        return _FOLDED_NAMES[part]
    region = _REGION.match(part)
    base = region.group(1) if region else part
    if base in THREE_LETTER_CODES:
        return THREE_LETTER_CODES[base]
    if len(base) == 2 and base.isascii() and base.isalpha():
        return base
    if len(base) == 3 and base.isascii() and base.isalpha():
        return base  # another ISO 639-2/3 code, kept as it is
    return None


def language_codes(value: str | None) -> list[str]:
    """Every language a recorded value names, as codes: 'Spanish; English' -> ['es', 'en'], 'spa' -> ['es']."""
    if not value or not value.strip():
        return []
    folded = _folded(value)
    whole = _one_code(folded)
    if whole is not None:
        return [whole]
    codes: list[str] = []
    for part in filter(None, _LIST_SEPARATORS.split(folded)):
        code = _one_code(part) or _named_in(part)
        if code is not None and code not in codes:
            codes.append(code)
    return codes


def _named_in(text: str) -> str | None:
    """The language a longer phrase names ('Spanish speaking staff' -> 'es'), by whole words."""
    padded = f" {text.replace('-', ' ').replace('_', ' ')} "
    for name in _LONGEST_NAMES_FIRST:
        if f" {name} " in padded:
            return _FOLDED_NAMES[name]
    return None


def language_code(value: str | None) -> str | None:
    """'es' for 'es', 'ES', 'Spanish', 'Español', 'spa' or 'es-MX'; None when no one language is recognised."""
    codes = language_codes(value)
    return codes[0] if len(codes) == 1 else None
