"""One revision of the search documents as immutable arrays: places on a grid, facets as masks, words as
postings (by term) and as each listing's own terms (by listing), and each listing's stored JSON."""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from bisect import bisect_left
from dataclasses import dataclass
from typing import Any

import msgspec
import numpy as np
from rapidfuzz import fuzz, process

from directory.geo.earth import EARTH_RADIUS_KM
from directory.search.words import (
    EVERYDAY_PHRASES,
    FIELD_ORDER,
    FIELD_WEIGHTS,
    best_synonym_key,
    min_similarity,
    tokenize,
)

__all__ = ["Concept", "Snapshot", "kilometres"]

GRID_DEGREES = 0.5
#: Query words whose corrections a snapshot remembers before starting afresh.
MAX_REMEMBERED_CORRECTIONS = 50_000
#: Directory words an unfinished query word may stand for.
MAX_PREFIX_MATCHES = 200


@dataclass
class Concept:
    """One query word (or phrase) and the directory words it may match, with similarity."""

    query_term: str
    matches: dict[int, float]

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
        self._corrections: dict[str, dict[int, float]] = {}
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
        for row in rows:
            terms: dict[int, tuple[float, int]] = {}
            text_fields = _decode(row["text_fields"])
            for field_index, field_name in enumerate(FIELD_ORDER):
                weight = FIELD_WEIGHTS[field_name]
                for word in set(tokenize(text_fields.get(field_name, ""))):
                    term = vocabulary.setdefault(word, len(vocabulary))
                    if term not in terms or terms[term][0] < weight:
                        terms[term] = (weight, field_index)
            doc_terms.append(np.fromiter(terms.keys(), dtype=np.int32, count=len(terms)))
            doc_weights.append(np.fromiter((w for w, _ in terms.values()), dtype=np.float32, count=len(terms)))
            doc_fields.append(np.fromiter((f for _, f in terms.values()), dtype=np.int8, count=len(terms)))
        self.vocabulary = list(vocabulary)
        self.sorted_vocabulary = sorted(vocabulary)
        self.word_ids = vocabulary
        self.fuzzy_vocabulary = [word for word in self.vocabulary if not word.isdigit()]
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
        """Query words → directory words with similarity, everyday phrases first."""
        words = tokenize(query_text)
        concepts: list[Concept] = []
        i = 0
        while i < len(words):
            if i + 1 < len(words):
                phrase = f"{words[i]} {words[i + 1]}"
                if phrase in EVERYDAY_PHRASES:
                    concepts.append(self._concept(phrase, EVERYDAY_PHRASES[phrase]))
                    i += 2
                    continue
            word = words[i]
            i += 1
            corrected = self._correct(word)
            targets = EVERYDAY_PHRASES.get(word) or EVERYDAY_PHRASES.get(best_synonym_key(word) or "")
            if targets:
                concept = self._concept(word, targets)
                for term, similarity in corrected.items():
                    concept.matches[term] = max(concept.matches.get(term, 0.0), similarity)
                concepts.append(concept)
            else:
                concepts.append(Concept(word, corrected))
        return concepts

    def _concept(self, phrase: str, targets: tuple[str, ...]) -> Concept:
        matches: dict[int, float] = {}
        for target in targets:
            term = self.word_ids.get(target)
            if term is not None:
                matches[term] = 100.0
        return Concept(phrase, matches)

    def _correct(self, word: str) -> dict[int, float]:
        """Directory words similar to `word` (typos) or starting with it (unfinished words).

        Remembered per snapshot: the vocabulary does not change, and a fuzzy pass over a large
        vocabulary costs milliseconds while a repeated word then costs nothing.
        """
        cached = self._corrections.get(word)
        if cached is None:
            cached = self._find_corrections(word)
            if len(self._corrections) >= MAX_REMEMBERED_CORRECTIONS:
                self._corrections.clear()
            self._corrections[word] = cached
        return dict(cached)

    def _find_corrections(self, word: str) -> dict[int, float]:
        matches: dict[int, float] = {}
        if word in self.word_ids:
            matches[self.word_ids[word]] = 100.0
        if not word.isdigit():  # numbers (house numbers, ZIPs) only ever match exactly
            for candidate, similarity, _ in process.extract(
                word, self.fuzzy_vocabulary, scorer=fuzz.ratio, score_cutoff=min_similarity(word), limit=8
            ):
                matches.setdefault(self.word_ids[candidate], float(similarity))
        if len(word) >= 4:
            position = bisect_left(self.sorted_vocabulary, word)
            end = min(len(self.sorted_vocabulary), position + MAX_PREFIX_MATCHES)
            while position < end and self.sorted_vocabulary[position].startswith(word):
                term = self.word_ids[self.sorted_vocabulary[position]]
                matches[term] = max(matches.get(term, 0.0), 90.0)
                position += 1
        return matches


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
