"""One revision of the search documents as immutable arrays: places on a grid, facets as masks, words as
postings (by term) and as each listing's own terms (by listing), and each listing's stored JSON."""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Any

import msgspec
import numpy as np
from rapidfuzz import fuzz, process

from directory.geo.earth import EARTH_RADIUS_KM
from directory.search.words import (
    CATEGORY_TERM_PREFIX,
    EVERYDAY_PHRASES,
    FIELD_ORDER,
    FIELD_WEIGHTS,
    FREE_WORDS,
    KIND_WORDS,
    MAX_PHRASE_WORDS,
    MEDICATION_MENTION_WEIGHT,
    MIN_FUZZY_LENGTH,
    PROTECTED_WORDS,
    EverydayPhrase,
    best_synonym_key,
    fuzzy_allowed,
    fuzzy_score,
    min_similarity,
    tokenize,
    without_free_words,
)
from directory.taxonomy.categories import CATEGORIES, MEDICATIONS

__all__ = ["Concept", "Snapshot", "kilometres"]

GRID_DEGREES = 0.5
#: Query words whose corrections a snapshot remembers before starting afresh.
MAX_REMEMBERED_CORRECTIONS = 50_000
#: Directory words an unfinished query word may stand for.
MAX_PREFIX_MATCHES = 200


CATEGORY_NAMES = {term.code: term.name for term in CATEGORIES}
#: A listing in a phrase's category matches it a little less than one with the phrase's own words ("AA
#: meetings": Alcoholics Anonymous before another recovery support group as near).
PHRASE_CATEGORY_SIMILARITY = 90.0
#: A typo stands for the vocabulary word it comes closest to, and for others only as close within this margin.
CLOSEST_VOCABULARY_MARGIN = 3.0
#: How close an unfinished word (a prefix of a directory word) counts, as a typo's closeness.
PREFIX_SIMILARITY = 90.0


@dataclass
class Concept:
    """One query word (or phrase) and the directory words it may match, with the similarity each counts."""

    query_term: str
    matches: dict[int, float]
    fuzzy: dict[int, float] = field(default_factory=dict)
    """The matches that are typos or unfinished words, with how close they came (before FUZZY_SCALE)."""
    distinctive: bool = False
    """Not a word of the vocabulary (a name's own word, as "Kolmac"): it may make a strong name match."""
    prefers_free: bool = False
    """Asks for free help ("gratis", "no cost"): matches no word, prefers listings that are free."""
    names_kind: bool = False
    """Names the kind of place ("doctor", "center"; words.KIND_WORDS): beside a word naming the need, optional."""
    names_need: bool = False
    """An everyday phrase or word of the vocabulary ("suboxone", "detox"): it names the help wanted."""

    def similarities_of(self, terms: np.ndarray) -> np.ndarray:
        """Each term's similarity to this concept (0 where it does not match)."""
        keys = np.fromiter(self.matches.keys(), dtype=np.int32, count=len(self.matches))
        similarities = np.fromiter(self.matches.values(), dtype=np.float32, count=len(self.matches))
        order = np.argsort(keys)
        keys, similarities = keys[order], similarities[order]
        position = np.minimum(np.searchsorted(keys, terms), len(keys) - 1)
        return np.where(keys[position] == terms, similarities[position], np.float32(0))


class Snapshot:
    """Immutable arrays built from one revision of the search documents (rows of `search_document`)."""

    def __init__(self, rows: list[dict[str, Any]], revision: int) -> None:
        self.revision = revision
        self.size = len(rows)
        self._read_listings(rows)
        self._index_words(rows)
        self._index_places()
        self._corrections: dict[str, tuple[dict[int, float], dict[int, float]]] = {}
        self._masks: dict[tuple[str, str], np.ndarray] = {}

    def _read_listings(self, rows: list[dict[str, Any]]) -> None:
        """Each listing's JSON, place and facets (categories, terms, medications, payment, languages, hours)."""
        n = self.size
        # Each listing's JSON up to its closing brace, then a comma: a search appends its ranking to it.
        self.listing_heads: list[bytes] = []
        self.latitude = np.full(n, np.nan)
        self.longitude = np.full(n, np.nan)
        self.demoted = np.zeros(n, dtype=bool)
        # Placed at a ZIP or city centre (or confidential): its distance is shown rounded, as approximate.
        self.approximate = np.zeros(n, dtype=bool)
        self.category_docs: dict[str, list[int]] = {}
        self.term_docs: dict[str, list[int]] = {}
        self.service_docs: dict[str, list[int]] = {}
        self.facet_docs: dict[tuple[str, str], list[int]] = {}
        self.open_ranges: list[tuple[int, int, int, int]] = []  # (doc, tz index, start, end)
        self.timezones: list[str | None] = []
        timezone_index: dict[str | None, int] = {}
        for i, row in enumerate(rows):
            listing = row["listing"].encode() if isinstance(row["listing"], str) else row["listing"]
            self.listing_heads.append(listing[: listing.rindex(b"}")] + b",")
            self.service_docs.setdefault(str(row.get("service_id")), []).append(i)
            if row["latitude"] is not None:
                self.latitude[i], self.longitude[i] = row["latitude"], row["longitude"]
            for code in _decode(row["categories"]):
                self.category_docs.setdefault(code, []).append(i)
            facets = _decode(row["facets"])
            self.demoted[i] = bool(facets.get("needs_reverification"))
            self.approximate[i] = bool(facets.get("distance_approximate"))
            for term_id in facets.get("terms", []):
                self.term_docs.setdefault(term_id, []).append(i)
            for key in ("medications", "payment", "languages"):
                for value in facets.get(key, []):
                    self.facet_docs.setdefault((key, value), []).append(i)
            for key in ("walk_in", "accepting_new_patients"):
                if facets.get(key) is True:
                    self.facet_docs.setdefault((key, "true"), []).append(i)
            if not facets.get("languages"):
                self.facet_docs.setdefault(("languages", "en"), []).append(i)
            tz = facets.get("timezone")
            if tz not in timezone_index:
                timezone_index[tz] = len(self.timezones)
                self.timezones.append(tz)
            for start, end in facets.get("open", []):
                self.open_ranges.append((i, timezone_index[tz], start, end))
        self.any_demoted = bool(self.demoted.any())
        self.any_approximate = bool(self.approximate.any())
        self.open_array = np.asarray(self.open_ranges, dtype=np.int64).reshape(-1, 4)

    def _index_words(self, rows: list[dict[str, Any]]) -> None:
        """The vocabulary, and each listing's words with the weight of the strongest field they are in: by term
        (postings, for text-only search over the whole directory) and by listing (for a few nearby ones)."""
        n = self.size
        vocabulary: dict[str, int] = {}
        doc_terms: list[np.ndarray] = []
        doc_weights: list[np.ndarray] = []
        doc_fields: list[np.ndarray] = []
        own_name_terms: dict[str, list[list[int]]] = {"name": [], "organization": []}
        category_field = FIELD_ORDER.index("category")
        description_field = FIELD_ORDER.index("description")
        for row in rows:
            terms: dict[int, tuple[float, int]] = {}
            text_fields = _decode(row["text_fields"])
            for field_index, field_name in enumerate(FIELD_ORDER):
                weight = FIELD_WEIGHTS[field_name]
                field_terms = [
                    vocabulary.setdefault(w, len(vocabulary)) for w in set(tokenize(text_fields.get(field_name, "")))
                ]
                if field_name in own_name_terms:
                    own_name_terms[field_name].append(field_terms)
                for term in field_terms:
                    if term not in terms or terms[term][0] < weight:
                        terms[term] = (weight, field_index)
            # A medication only the description names is a mention, not an offer (words.MEDICATION_MENTION_WEIGHT).
            for medication in MEDICATIONS:
                mentioned = vocabulary.get(medication)
                if mentioned is not None and terms.get(mentioned, (0.0, -1))[1] == description_field:
                    terms[mentioned] = (MEDICATION_MENTION_WEIGHT, description_field)
            # Each category as one index word, so an everyday phrase can ask for a category ("food stamps").
            for code in _decode(row["categories"]):
                term = vocabulary.setdefault(CATEGORY_TERM_PREFIX + code, len(vocabulary))
                terms[term] = (FIELD_WEIGHTS["category"], category_field)
            doc_terms.append(np.fromiter(terms.keys(), dtype=np.int32, count=len(terms)))
            doc_weights.append(np.fromiter((w for w, _ in terms.values()), dtype=np.float32, count=len(terms)))
            doc_fields.append(np.fromiter((f for _, f in terms.values()), dtype=np.int8, count=len(terms)))
        self.vocabulary = list(vocabulary)
        self.sorted_vocabulary = sorted(word for word in vocabulary if ":" not in word)
        self.word_ids = vocabulary
        self.fuzzy_vocabulary = [word for word in self.vocabulary if not word.isdigit() and ":" not in word]
        # The words of each listing's own name and of its organization's (CSR by doc), for strong name matches.
        self.name_ptr, self.name_terms = _csr(own_name_terms["name"])
        self.organization_ptr, self.organization_terms = _csr(own_name_terms["organization"])
        # Term postings (CSR by term) for text-only search over the whole directory.
        lengths = np.fromiter((len(t) for t in doc_terms), dtype=np.int64, count=n)
        all_docs = np.repeat(np.arange(n, dtype=np.int32), lengths)
        all_terms = np.concatenate(doc_terms) if n else np.empty(0, np.int32)
        all_weights = np.concatenate(doc_weights) if n else np.empty(0, np.float32)
        all_fields = np.concatenate(doc_fields) if n else np.empty(0, np.int8)
        order = np.argsort(all_terms, kind="stable")
        self.posting_docs = all_docs[order]
        self.posting_weights = all_weights[order]
        self.posting_fields = all_fields[order]
        self.posting_starts = np.searchsorted(all_terms[order], np.arange(len(vocabulary) + 1))
        # The same terms by document (CSR by doc), for scoring a few nearby candidates.
        self.doc_ptr = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
        self.doc_terms, self.doc_weights, self.doc_fields = all_terms, all_weights, all_fields

    def _index_places(self) -> None:
        """Grid cells for the location prefilter, and each point as a unit vector for exact distances."""
        latitude, longitude = self.latitude, self.longitude
        # Docs sorted by (lat cell, lng cell).
        has_point = ~np.isnan(latitude)
        lat_cell = np.where(has_point, np.floor((np.nan_to_num(latitude) + 90) / GRID_DEGREES), -1).astype(np.int64)
        lng_cell = np.where(has_point, np.floor((np.nan_to_num(longitude) + 180) / GRID_DEGREES), -1).astype(np.int64)
        self.cell_key = lat_cell * 1000 + lng_cell
        self.cell_order = np.argsort(self.cell_key, kind="stable").astype(np.int32)
        self.sorted_cell_key = self.cell_key[self.cell_order]
        # Each point as a unit vector: the great-circle angle to a place is then one dot product away.
        lat_radians, lng_radians = np.radians(latitude), np.radians(longitude)
        self.unit = np.column_stack(
            (np.cos(lat_radians) * np.cos(lng_radians), np.cos(lat_radians) * np.sin(lng_radians), np.sin(lat_radians))
        )

    def mask(self, key: tuple[str, str]) -> np.ndarray:
        """Boolean mask of docs with a facet value, built on first use."""
        cached = self._masks.get(key)
        if cached is None:
            kind, value = key
            source = {"category": self.category_docs, "term": self.term_docs}.get(kind)
            docs = source.get(value, []) if source is not None else self.facet_docs.get(key, [])
            cached = np.zeros(self.size, dtype=bool)
            cached[np.asarray(docs, dtype=np.int64)] = True
            self._masks[key] = cached
        return cached

    def free_mask(self) -> np.ndarray:
        """Listings that cost nothing: payment accepted "free", or "free" or "gratis" in their own words (211
        exports seldom fill the payment field; "Free naloxone kits" says it)."""
        cached = self._masks.get(("free", "true"))
        if cached is None:
            cached = self.mask(("payment", "free")).copy()
            for word in FREE_WORDS:
                term = self.word_ids.get(word)
                if term is not None:
                    start, end = self.posting_starts[term], self.posting_starts[term + 1]
                    cached[self.posting_docs[start:end]] = True
            self._masks[("free", "true")] = cached
        return cached

    def free_word(self, doc: int) -> tuple[str, str] | None:
        """Why a listing counts as free: ("free", "payment"), or its free word and the field it is in."""
        if self.mask(("payment", "free"))[doc]:
            return "free", "payment"
        start, end = int(self.doc_ptr[doc]), int(self.doc_ptr[doc + 1])
        for term, field_index in zip(
            self.doc_terms[start:end].tolist(), self.doc_fields[start:end].tolist(), strict=True
        ):
            if self.vocabulary[term] in FREE_WORDS:
                return self.vocabulary[term], FIELD_ORDER[field_index]
        return None

    def near(self, latitude: float, longitude: float, radius_km: float) -> np.ndarray:
        """Docs in the grid cells the circle's bounding box touches (a superset of those within the radius)."""
        lat_span = radius_km / 110.5  # km per degree of latitude is at least 110.5
        # Longitude degrees are widest apart where the circle comes closest to a pole.
        poleward = min(abs(latitude) + lat_span, 89.9)
        lng_span = min(radius_km / (111.320 * math.cos(math.radians(poleward))), 180.0)
        low_lat = int(math.floor((max(latitude - lat_span, -90) + 90) / GRID_DEGREES))
        high_lat = int(math.floor((min(latitude + lat_span, 90) + 90) / GRID_DEGREES))
        low_lng = int(math.floor((longitude - lng_span + 180) / GRID_DEGREES))
        high_lng = int(math.floor((longitude + lng_span + 180) / GRID_DEGREES))
        cells_per_turn = int(360 / GRID_DEGREES)
        lng_ranges = [(max(low_lng, 0), min(high_lng, cells_per_turn - 1))]
        if low_lng < 0:  # the box crosses the antimeridian westwards
            lng_ranges.append((low_lng % cells_per_turn, cells_per_turn - 1))
        if high_lng >= cells_per_turn:  # ... or eastwards
            lng_ranges.append((0, high_lng - cells_per_turn))
        starts, ends = [], []
        for lat_cell in range(low_lat, high_lat + 1):
            for first, last in lng_ranges:
                starts.append(lat_cell * 1000 + first)
                ends.append(lat_cell * 1000 + last)
        # One search for all the cell ranges; the grid is coarse, so the exact distance test comes later.
        lows = np.searchsorted(self.sorted_cell_key, starts, side="left")
        highs = np.searchsorted(self.sorted_cell_key, ends, side="right")
        pieces = [
            self.cell_order[low:high] for low, high in zip(lows.tolist(), highs.tolist(), strict=True) if high > low
        ]
        if not pieces:
            return np.empty(0, dtype=np.int32)
        return pieces[0] if len(pieces) == 1 else np.concatenate(pieces)

    def cosines(self, docs: np.ndarray, latitude: float, longitude: float) -> np.ndarray:
        """Cosine of the great-circle angle between a point and each of these docs (NaN without a point)."""
        lat0, lng0 = math.radians(latitude), math.radians(longitude)
        here = np.array((math.cos(lat0) * math.cos(lng0), math.cos(lat0) * math.sin(lng0), math.sin(lat0)))
        cosines: np.ndarray = np.take(self.unit, docs, axis=0) @ here
        return cosines

    def distances_km(self, docs: np.ndarray, latitude: float, longitude: float) -> np.ndarray:
        """Great-circle distances from a point to these docs."""
        return kilometres(self.cosines(docs, latitude, longitude))

    def open_docs(self, now: dt.datetime) -> np.ndarray:
        """Docs whose weekly hours include `now` in their own time zone."""
        if not self.open_ranges:
            return np.empty(0, dtype=np.int64)
        ranges = self.open_array
        minute_by_tz = np.array([_minute_of_week(now, tz) for tz in self.timezones])
        local = minute_by_tz[ranges[:, 1]]
        start, end = ranges[:, 2], ranges[:, 3]
        is_open = ((local >= start) & (local < end)) | ((local + 10080 >= start) & (local + 10080 < end))
        return np.unique(ranges[is_open, 0])

    def expand(self, query_text: str) -> list[Concept]:
        """Query words → directory words with similarity: everyday phrases first (longest first), then each word
        as itself, its plural, a vocabulary word it misspells, or typos and unfinished words within the guard
        rails (words.fuzzy_allowed); words asking for free help become one preference, last."""
        words, free = without_free_words(tokenize(query_text))
        concepts: list[Concept] = []
        i = 0
        while i < len(words):
            for length in range(min(MAX_PHRASE_WORDS, len(words) - i), 0, -1):
                key = " ".join(words[i : i + length])
                phrase = EVERYDAY_PHRASES.get(key)
                if phrase is not None:
                    concepts.append(self._word_concept(key) if length == 1 else self._phrase_concept(key, phrase))
                    i += length
                    break
            else:
                concepts.append(self._word_concept(words[i]))
                i += 1
        if free:
            concepts.append(Concept(" ".join(free), {}, prefers_free=True))
        return concepts

    def _phrase_concept(self, key: str, phrase: EverydayPhrase) -> Concept:
        """What an everyday phrase stands for: its words and categories, each an exact match."""
        matches: dict[int, float] = {}
        for target in phrase.words:
            if (term := self.word_ids.get(target)) is not None:
                matches[term] = 100.0
        for code in phrase.categories:
            if (term := self.word_ids.get(CATEGORY_TERM_PREFIX + code)) is not None:
                matches.setdefault(term, PHRASE_CATEGORY_SIMILARITY)
        return Concept(key, matches, names_need=True)

    def _word_concept(self, word: str) -> Concept:
        """One query word: itself and its corrections, and what it means if it is (or misspells) an everyday word."""
        matches, fuzzy = self._correct(word)
        concept = Concept(
            word,
            matches,
            fuzzy,
            distinctive=word not in PROTECTED_WORDS and not word.isdigit(),
            names_kind=word in KIND_WORDS,
            names_need=word in MEDICATIONS,
        )
        phrase = EVERYDAY_PHRASES.get(word)
        closeness = 100.0
        if phrase is None and (synonym := best_synonym_key(word)) is not None:
            phrase, closeness = EVERYDAY_PHRASES[synonym[0]], synonym[1]
            concept.distinctive = False
        if phrase is not None:
            concept.names_need = not concept.names_kind
            for term in self._phrase_concept(word, phrase).matches:
                similarity = 100.0 if closeness == 100.0 else fuzzy_score(closeness)
                if similarity > concept.matches.get(term, 0.0):
                    concept.matches[term] = similarity
                    if closeness == 100.0:
                        concept.fuzzy.pop(term, None)
                    else:
                        concept.fuzzy[term] = closeness
        return concept

    def shown_word(self, term: int) -> str:
        """An index word as a person reads it (a category by its name)."""
        word = self.vocabulary[term]
        if word.startswith(CATEGORY_TERM_PREFIX):
            return CATEGORY_NAMES.get(word.removeprefix(CATEGORY_TERM_PREFIX), word)
        return word

    def _correct(self, word: str) -> tuple[dict[int, float], dict[int, float]]:
        """Directory words that are `word` (or its plural), or within the guard rails a typo of it or a word it
        begins: the similarity each counts, and how close the typos came.

        Remembered per snapshot: the vocabulary does not change, and a fuzzy pass over a large
        vocabulary costs milliseconds while a repeated word then costs nothing.
        """
        cached = self._corrections.get(word)
        if cached is None:
            cached = self._find_corrections(word)
            if len(self._corrections) >= MAX_REMEMBERED_CORRECTIONS:
                self._corrections.clear()
            self._corrections[word] = cached
        return dict(cached[0]), dict(cached[1])

    def _find_corrections(self, word: str) -> tuple[dict[int, float], dict[int, float]]:
        matches: dict[int, float] = {}
        fuzzy: dict[int, float] = {}
        for form in (word, *_plural_forms(word)):
            if form in self.word_ids:
                matches[self.word_ids[form]] = 100.0
        if len(word) < MIN_FUZZY_LENGTH or word.isdigit():  # short words and numbers only ever match exactly
            return matches, fuzzy
        for candidate, similarity, _ in process.extract(
            word, self.fuzzy_vocabulary, scorer=fuzz.ratio, score_cutoff=min_similarity(word), limit=8
        ):
            term = self.word_ids[candidate]
            if term not in matches and fuzzy_allowed(word, candidate):
                fuzzy[term] = float(similarity)
        position = bisect_left(self.sorted_vocabulary, word)
        end = min(len(self.sorted_vocabulary), position + MAX_PREFIX_MATCHES)
        while position < end and self.sorted_vocabulary[position].startswith(word):
            candidate = self.sorted_vocabulary[position]
            term = self.word_ids[candidate]
            if term not in matches and fuzzy_allowed(word, candidate):
                fuzzy[term] = max(fuzzy.get(term, 0.0), PREFIX_SIMILARITY)
            position += 1
        # A typo near two vocabulary words ("nalaxone": naloxone 88, naltrexone 78) is only the closer one.
        closest = max((c for t, c in fuzzy.items() if self.vocabulary[t] in PROTECTED_WORDS), default=None)
        if closest is not None:
            fuzzy = {
                t: c
                for t, c in fuzzy.items()
                if self.vocabulary[t] not in PROTECTED_WORDS or c >= closest - CLOSEST_VOCABULARY_MARGIN
            }
        for term, similarity in fuzzy.items():
            matches[term] = fuzzy_score(similarity)
        return matches, fuzzy


def _plural_forms(word: str) -> tuple[str, ...]:
    """The word's plural or singular, as an exact match: 'meal' finds 'meals', 'pantries' finds 'pantry'."""
    forms = [word + "s", word + "es"]
    if word.endswith("ies") and len(word) > 4:
        forms.append(word[:-3] + "y")
    elif word.endswith("es") and len(word) > 4:
        forms.append(word[:-2])
    if word.endswith("s") and len(word) > 3:
        forms.append(word[:-1])
    if word.endswith("y") and len(word) > 3:
        forms.append(word[:-1] + "ies")
    return tuple(forms)


def _csr(rows: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Lists of terms as (pointers, terms): row i is terms[pointers[i]:pointers[i + 1]]."""
    lengths = np.fromiter((len(r) for r in rows), dtype=np.int64, count=len(rows))
    pointers = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
    terms = np.fromiter((t for r in rows for t in r), dtype=np.int32, count=int(lengths.sum()))
    return pointers, terms


def _decode(value: Any) -> Any:
    """A JSON column as Python (SQLite hands back text, PostgreSQL the decoded value)."""
    if isinstance(value, str):
        return msgspec.json.decode(value)
    return value


def _minute_of_week(now: dt.datetime, timezone: str | None) -> int:
    local = now
    if timezone:
        try:
            local = now.astimezone(zoneinfo.ZoneInfo(timezone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            local = now
    return local.weekday() * 1440 + local.hour * 60 + local.minute


def kilometres(cosines: np.ndarray) -> np.ndarray:
    """Great-circle kilometres from the cosines of the angles."""
    # Rounding can put a cosine a hair outside [-1, 1]; np.clip costs more than the two bounds.
    distances: np.ndarray = EARTH_RADIUS_KM * np.arccos(np.maximum(np.minimum(cosines, 1.0), -1.0))
    return distances
