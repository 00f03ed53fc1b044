"""Words as the search compares them: tokens without case, accents or filler, the everyday phrases people use
for the directory's words, how close a typo must come, and how much a match counts in each listing field."""

from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz import fuzz, process

from directory.search.folding import folded
from directory.taxonomy.categories import EVERYDAY_WORDS, SPANISH_EVERYDAY_WORDS

__all__ = [
    "EVERYDAY_PHRASES",
    "FIELD_ORDER",
    "FIELD_WEIGHTS",
    "STOP_WORDS",
    "best_synonym_key",
    "min_similarity",
    "tokenize",
]

#: Listing fields and how much a match in each counts.
FIELD_WEIGHTS = {"name": 1.0, "category": 1.0, "medication": 1.0, "organization": 0.9, "description": 0.6}
FIELD_ORDER = tuple(FIELD_WEIGHTS)
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "at",
        "for",
        "from",
        "i",
        "in",
        "is",
        "me",
        "my",
        "near",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
        "need",
        "needs",
        "help",
        "find",
        "where",
        "around",
        "close",
        "closest",
        "nearby",
        "get",
        "want",
        "looking",
        # Spanish small words, so "pase de autobús" and "necesito comida cerca" read as their content words
        "de",
        "del",
        "el",
        "la",
        "las",
        "los",
        "y",
        "en",
        "para",
        "por",
        "un",
        "una",
        "con",
        "mi",
        "necesito",
        "busco",
        "quiero",
        "donde",
        "ayuda",
        "cerca",
    ]
)
TOKEN = re.compile(r"[a-z0-9]+")


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens without accents or stop words."""
    return [t for t in TOKEN.findall(folded(text)) if t not in STOP_WORDS]


def _everyday_phrases() -> dict[str, tuple[str, ...]]:
    """Everyday words (English, then Spanish) keyed as a query tokenizes them: 'pase de autobús' -> 'pase autobus'."""
    phrases: dict[str, tuple[str, ...]] = {}
    for phrase, targets in (*EVERYDAY_WORDS.items(), *SPANISH_EVERYDAY_WORDS.items()):
        phrases.setdefault(" ".join(tokenize(phrase)), targets)
    return phrases


#: Everyday words and phrases (of at most two words) -> the words listings are written in.
EVERYDAY_PHRASES = _everyday_phrases()


def min_similarity(word: str) -> float:
    """Shorter words need closer matches: 'fod'→'food' yes, 'bed'→'med' no."""
    if len(word) <= 3:
        return 85.0
    if len(word) <= 5:
        return 80.0
    return 77.0


@lru_cache(maxsize=4096)
def best_synonym_key(word: str) -> str | None:
    """The everyday word or phrase a misspelt query word most likely is ('suboxon' -> 'suboxone'), if any."""
    match = process.extractOne(word, EVERYDAY_PHRASES.keys(), scorer=fuzz.ratio, score_cutoff=min_similarity(word) + 5)
    return match[0] if match else None
