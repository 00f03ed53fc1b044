"""Words as the search compares them: tokens without case, accents or filler, the everyday phrases people use
for the directory's words (`everyday_phrases.csv`), the guard rails on typo matching, and how much a match
counts in each listing field."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz, process

from directory.search.folding import folded
from directory.taxonomy.categories import CATEGORIES, CATEGORY_CODES, MEDICATIONS

__all__ = [
    "CATEGORY_TERM_PREFIX",
    "EVERYDAY_PHRASES",
    "EVERYDAY_PHRASES_FILE",
    "EXACT_FLOOR",
    "FIELD_ORDER",
    "FIELD_WEIGHTS",
    "FREE_WORDS",
    "FUZZY_CEILING",
    "FUZZY_SCALE",
    "KIND_WORDS",
    "MAX_PHRASE_WORDS",
    "MEDICATION_MENTION_WEIGHT",
    "MIN_FUZZY_LENGTH",
    "PROTECTED_WORDS",
    "STOP_WORDS",
    "EverydayPhrase",
    "best_synonym_key",
    "fuzzy_allowed",
    "fuzzy_score",
    "min_similarity",
    "tokenize",
    "without_free_words",
]

#: Listing fields and how much a match in each counts.
FIELD_WEIGHTS = {"name": 1.0, "category": 1.0, "medication": 1.0, "organization": 0.9, "description": 0.6}
FIELD_ORDER = tuple(FIELD_WEIGHTS)
#: A typo or unfinished word counts this share of its closeness (at most 55 of 100): always below an exact word,
#: even one only in the description (60), so "naloxone" typed right never loses to a near miss.
FUZZY_SCALE = 0.55
#: The most a fuzzy match can score; an exact one scores at least 60 (100 × the description's weight).
FUZZY_CEILING = 100.0 * FUZZY_SCALE
#: The least an exact word scores (100 × the description's weight); a score below it is a weak match.
EXACT_FLOOR = 100.0 * FIELD_WEIGHTS["description"]
#: A medication a listing's description only mentions ("many also offer buprenorphine", "we refer people to
#: naltrexone prescribers"), while its medications and categories do not list it, weighs this much: above any
#: typo (FUZZY_CEILING), below EXACT_FLOOR, so it ranks, as a typo does, after every listing that offers it.
MEDICATION_MENTION_WEIGHT = 0.95 * FIELD_WEIGHTS["description"]
#: Words shorter than this are matched exactly (with their plural), never as typos: "eat" is not "heat".
MIN_FUZZY_LENGTH = 5

STOP_WORDS = frozenset(
    [
        # English filler: "where can I find a shelter near me tonight" reads as "shelter"
        *("a", "an", "and", "at", "for", "from", "i", "im", "in", "is", "me", "my", "near", "of", "on", "or"),
        *("the", "to", "with", "need", "needs", "help", "find", "where", "around", "close", "closest", "nearby"),
        *("get", "want", "looking", "can", "could", "do", "does", "there", "any", "some", "please", "am", "are"),
        *("tonight", "today", "now", "right", "asap", "someone", "somewhere", "place", "places", "what", "who"),
        *("how", "go", "us", "we", "our", "you", "it", "this", "that", "be", "by", "area", "local", "people"),
        # what is left of a contraction ("I'm hungry" is "i", "m", "hungry"): "m" is no word to find M and M
        *("m", "s", "t", "ll", "re", "ve", "d"),
        # Spanish small words, so "pase de autobús" and "necesito comida cerca de mí" read as their content words
        *("de", "del", "el", "la", "las", "los", "y", "en", "para", "por", "un", "una", "con", "mi", "mis"),
        *("necesito", "necesita", "busco", "quiero", "donde", "ayuda", "cerca", "hoy", "ahora", "esta"),
        *("noche", "puedo", "puede", "hay", "algun", "alguna", "lugar", "que", "se", "al", "me", "yo"),
        *("personas", "persona", "gente"),
    ]
)
TOKEN = re.compile(r"[a-z0-9]+")

#: Words that name the kind of place, not the help ("suboxone doctor", "detox center", "VA clinic", "clínica de
#: metadona"): beside a word that names the need they only qualify it, so a listing is ranked by the need it
#: matches and is not passed over for missing the kind word; alone ("doctor", "clinic") they are the need.
KIND_WORDS = frozenset(
    [
        *("doctor", "doctors", "clinic", "clinics", "center", "centers", "centre", "centres", "program"),
        *("programs", "service", "services", "office", "offices", "provider", "providers", "facility"),
        *("facilities", "agency", "agencies", "clinica", "clinicas", "centro", "centros", "programa"),
        *("programas", "servicio", "servicios", "oficina"),
    ]
)

#: Words that ask for no-cost help: a preference for listings that are free, never a word to match or fuzz
#: ("gratis" is not "ratios" or "grants").
FREE_WORDS = frozenset(["free", "gratis", "gratuito", "gratuita", "gratuitos", "gratuitas", "nocost", "sincosto"])
_FREE_PAIRS = {("no", "cost"): "nocost", ("sin", "costo"): "sincosto", ("sin", "cargo"): "sincosto"}

#: Where the everyday phrases are kept, one a row: phrase, language, categories, words (see the file's header).
EVERYDAY_PHRASES_FILE = Path(__file__).with_name("everyday_phrases.csv")
#: Index words that stand for a listing's category ("category:food.pantry"): no query word can spell them.
CATEGORY_TERM_PREFIX = "category:"


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens without accents or stop words."""
    return [t for t in TOKEN.findall(folded(text)) if t not in STOP_WORDS]


def without_free_words(words: list[str]) -> tuple[list[str], list[str]]:
    """The query's words without those asking for free help, and those ("clinica gratis" -> clinica; gratis)."""
    kept: list[str] = []
    free: list[str] = []
    i = 0
    while i < len(words):
        pair = tuple(words[i : i + 2])
        if pair in _FREE_PAIRS:
            free.append(" ".join(pair))
            i += 2
            continue
        (free if words[i] in FREE_WORDS else kept).append(words[i])
        i += 1
    return kept, free


@dataclass(frozen=True)
class EverydayPhrase:
    """One reviewed everyday phrase: what people say, in which language, and what the directory calls it."""

    phrase: str
    language: str
    categories: tuple[str, ...]
    """Category codes a listing in which matches the phrase fully."""
    words: tuple[str, ...]
    """Directory words (as listings, taxonomy term names and medications write them) that match it fully."""

    @property
    def key(self) -> str:
        """The phrase as a query tokenizes it: 'pase de autobús' -> 'pase autobus'."""
        return " ".join(tokenize(self.phrase))


def _read_phrases() -> dict[str, EverydayPhrase]:
    """Every everyday phrase keyed as a query tokenizes it; the first row of a key wins."""
    phrases: dict[str, EverydayPhrase] = {}
    with EVERYDAY_PHRASES_FILE.open(encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            phrase = EverydayPhrase(
                phrase=row["phrase"],
                language=row["language"],
                categories=tuple(row["categories"].split()),
                words=tuple(tokenize(row["words"])),
            )
            unknown = [code for code in phrase.categories if code not in CATEGORY_CODES]
            if unknown or not phrase.key or not (phrase.words or phrase.categories):
                raise ValueError(f"{EVERYDAY_PHRASES_FILE.name}: bad row {row!r} (unknown categories: {unknown})")
            phrases.setdefault(phrase.key, phrase)
    return phrases


#: Everyday words and phrases -> what the directory calls them.
EVERYDAY_PHRASES = _read_phrases()
#: The longest phrase, in words (as tokenized).
MAX_PHRASE_WORDS = max(len(key.split()) for key in EVERYDAY_PHRASES)

#: Common service words that look alike but mean different help: never fuzzed into one another.
_COMMON_SERVICE_WORDS = (
    "dental rental mental heat eat heating night nights meal meals food shelter housing clinic clinics health care "
    "treatment recovery counseling legal job jobs pantry bed beds rent free grants grant ratio ratios day days "
    "program programs service services center centers support group groups women men youth family children "
    "veterans senior seniors medical hospital emergency crisis utility utilities cash clothing clothes baby "
    "diapers hiv testing test tests vision hearing home homes house housing school tax taxes water phone"
)


def _protected_words() -> frozenset[str]:
    """Words of the vocabulary: medications, category words, everyday phrases and what they map to."""
    words: set[str] = set(MEDICATIONS)
    words.update(tokenize(_COMMON_SERVICE_WORDS))
    for term in CATEGORIES:
        words.update(tokenize(term.name))
        words.update(tokenize(term.code.replace(".", " ").replace("_", " ")))
    for key, phrase in EVERYDAY_PHRASES.items():
        words.update(key.split())
        words.update(phrase.words)
    return frozenset(words)


#: A query word in this set is never fuzzed into another word of it: naloxone is not naltrexone.
PROTECTED_WORDS = _protected_words()


def fuzzy_allowed(query_word: str, directory_word: str) -> bool:
    """Whether a directory word may stand for a query word it only resembles (a typo or an unfinished word).
    Never across a first letter: people rarely mistype it, and a word inside a longer one is another word
    ("dentist" in "adventist")."""
    if len(query_word) < MIN_FUZZY_LENGTH or query_word.isdigit() or directory_word[:1] != query_word[:1]:
        return False
    return not (query_word in PROTECTED_WORDS and directory_word in PROTECTED_WORDS)


def fuzzy_score(closeness: float) -> float:
    """What a typo of closeness 77-100 counts: FUZZY_SCALE of an exact word, a little less the less close it is
    (so the field it is in, not its closeness, decides how far nearness may be stretched for it)."""
    return FUZZY_SCALE * (90.0 + closeness / 10.0)


def min_similarity(word: str) -> float:
    """How close (0-100) a directory word must come to a query word to stand for it as a typo."""
    if len(word) <= 5:
        return 80.0
    return 77.0


_SINGLE_WORD_KEYS = [key for key in EVERYDAY_PHRASES if " " not in key]


@lru_cache(maxsize=4096)
def best_synonym_key(word: str) -> tuple[str, float] | None:
    """The everyday word a misspelt query word most likely is ('suboxon' -> 'suboxone'), with how close, if any;
    never for a word of the vocabulary itself or a short one."""
    if len(word) < MIN_FUZZY_LENGTH or word in PROTECTED_WORDS:
        return None
    match = process.extractOne(word, _SINGLE_WORD_KEYS, scorer=fuzz.ratio, score_cutoff=min_similarity(word) + 5)
    return (match[0], float(match[1])) if match else None
