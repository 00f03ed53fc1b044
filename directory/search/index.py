"""The in-memory search index: nearest, filtered, typo-forgiving search over search documents.

Each app server loads the index from the `search_document` table and reloads it when the
directory revision in the database moves on, so several servers sharing one database agree.
Location filtering uses a grid over latitude/longitude; text matching expands each query word
to directory words (everyday synonyms in English and Spanish, then rapidfuzz similarity) and scores
listings by the best match per word, weighted by the field it was found in. With a place, nearness
leads the ranking and a stronger match may only move a listing ahead of nearer ones within
FIELD_MATCH_DISTANCE_FACTOR (see `_ranking_distances`).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import math
import re
import weakref
import zoneinfo
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import lru_cache

import msgspec
import numpy as np
from rapidfuzz import fuzz, process

from directory.geo.earth import EARTH_RADIUS_KM
from directory.schemas import MatchExplanation, ServiceSearchResult
from directory.search.folding import folded
from directory.tables import DirectoryRevision, SearchDocument
from directory.taxonomy.categories import EVERYDAY_WORDS, SPANISH_EVERYDAY_WORDS

__all__ = ["SearchIndex", "SearchQuery", "SearchResults", "note_directory_change", "tokenize"]

logger = logging.getLogger(__name__)

GRID_DEGREES = 0.5
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
#: A listing flagged for re-verification (on independent evidence) ranks as if it were this much farther ...
REVERIFICATION_PENALTY_KM = 10.0
#: ... and, in word searches, as if it matched this many points (of 100) less well: bounded, never last place.
REVERIFICATION_PENALTY_POINTS = 10.0
#: Query words whose corrections a snapshot remembers before starting afresh.
MAX_REMEMBERED_CORRECTIONS = 50_000
#: Directory words an unfinished query word may stand for.
MAX_PREFIX_MATCHES = 200
#: With a place, a better textual match (say the category rather than the description) may rank a listing
#: ahead of a nearer one only when it is at most this many times as far ...
FIELD_MATCH_DISTANCE_FACTOR = 2.0
# The stretch is min(_STRETCH_AT_ZERO - _STRETCH_PER_POINT * relevance, FIELD_MATCH_DISTANCE_FACTOR): 1 at
# relevance 100, the whole factor at a description-only match (60) and below, in proportion between.
_STRETCH_PER_POINT = (FIELD_MATCH_DISTANCE_FACTOR - 1.0) / (100.0 * (1.0 - FIELD_WEIGHTS["description"]))
_STRETCH_AT_ZERO = 1.0 + 100.0 * _STRETCH_PER_POINT
#: Each query word a listing misses puts it this much farther in the ranking: beyond any stretched distance.
_MISSED_WORD_KM = 1.0e6
#: ... counting distances under this as this (next door and across the street are equally near).
NEAR_ENOUGH_KM = 1.0


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


def _min_similarity(word: str) -> float:
    """Shorter words need closer matches: 'fod'→'food' yes, 'bed'→'med' no."""
    if len(word) <= 3:
        return 85.0
    if len(word) <= 5:
        return 80.0
    return 77.0


@dataclass(frozen=True)
class SearchQuery:
    """Everything a search can ask for; validated by the caller."""

    text: str = ""
    latitude: float | None = None
    longitude: float | None = None
    radius_km: float | None = None
    categories: tuple[str, ...] = ()
    taxonomy_term_id: str | None = None
    medication: str | None = None
    payment: str | None = None
    language: str | None = None
    walk_in: bool | None = None
    accepting_new_patients: bool | None = None
    open_now: bool | None = None
    service_ids: frozenset[str] | None = None
    """Only listings of these services (the HSDS filters, answered by the database); None: no restriction."""
    now: dt.datetime | None = None
    page: int = 1
    per_page: int = 20


_ENCODER = msgspec.json.Encoder()


@dataclass
class SearchResults:
    """One page of results and how many there were in all.

    Each hit is kept as two pieces of JSON: the stored public listing without its closing brace, and
    the members a search adds to it with the brace (`"distance_km":…,"distance_approximate":…,"relevance":…,
    "match":[…]}`, the last four fields of ServiceSearchResult).
    """

    total: int
    listing_heads: list[bytes] = field(default_factory=list)
    rankings: list[bytes] = field(default_factory=list)

    def encoded(self) -> list[msgspec.Raw]:
        """The page as ServiceSearchResult JSON, each stored listing with its ranking spliced on: the same
        bytes as encoding `results`, without decoding twenty listings only to encode them again."""
        return [msgspec.Raw(head + ranking) for head, ranking in zip(self.listing_heads, self.rankings, strict=True)]

    @property
    def results(self) -> list[ServiceSearchResult]:
        """The page as Structs."""
        return [_LISTING_DECODER.decode(raw) for raw in self.encoded()]


def _json_numbers(values: list[float]) -> list[bytes]:
    """Each number's JSON, from one encode of the whole list (a number's JSON holds no comma)."""
    return _ENCODER.encode(values)[1:-1].split(b",") if values else []


@dataclass
class _Concept:
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


class _Snapshot:
    """Immutable arrays built from one revision of the search documents."""

    def __init__(self, rows: list[dict], revision: int) -> None:
        self.revision = revision
        n = len(rows)
        self.size = n
        # Each listing's JSON up to its closing brace, then a comma: a search appends its ranking to it.
        self.listing_heads: list[bytes] = []
        latitude = np.full(n, np.nan)
        longitude = np.full(n, np.nan)
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
        vocabulary: dict[str, int] = {}
        doc_terms: list[np.ndarray] = []
        doc_weights: list[np.ndarray] = []
        doc_fields: list[np.ndarray] = []
        for i, row in enumerate(rows):
            listing = row["listing"].encode() if isinstance(row["listing"], str) else row["listing"]
            self.listing_heads.append(listing[: listing.rindex(b"}")] + b",")
            self.service_docs.setdefault(str(row.get("service_id")), []).append(i)
            if row["latitude"] is not None:
                latitude[i], longitude[i] = row["latitude"], row["longitude"]
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
        self.latitude, self.longitude = latitude, longitude
        self.any_demoted = bool(self.demoted.any())
        self.any_approximate = bool(self.approximate.any())
        self.vocabulary = list(vocabulary)
        self.sorted_vocabulary = sorted(vocabulary)
        self.word_ids = vocabulary
        self.fuzzy_vocabulary = [word for word in self.vocabulary if not word.isdigit()]
        self._corrections: dict[str, dict[int, float]] = {}
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
        # Grid cells for the location prefilter: docs sorted by (lat cell, lng cell).
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
        self.open_array = np.asarray(self.open_ranges, dtype=np.int64).reshape(-1, 4)
        self._masks: dict[tuple[str, str], np.ndarray] = {}

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
        return np.take(self.unit, docs, axis=0) @ here

    def distances_km(self, docs: np.ndarray, latitude: float, longitude: float) -> np.ndarray:
        """Great-circle distances from a point to these docs."""
        return _kilometres(self.cosines(docs, latitude, longitude))

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

    def expand(self, query_text: str) -> list[_Concept]:
        """Query words → directory words with similarity, everyday phrases first."""
        words = tokenize(query_text)
        concepts: list[_Concept] = []
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
            targets = EVERYDAY_PHRASES.get(word) or EVERYDAY_PHRASES.get(_best_synonym_key(word) or "")
            if targets:
                concept = self._concept(word, targets)
                for term, similarity in corrected.items():
                    concept.matches[term] = max(concept.matches.get(term, 0.0), similarity)
                concepts.append(concept)
            else:
                concepts.append(_Concept(word, corrected))
        return concepts

    def _concept(self, phrase: str, targets: tuple[str, ...]) -> _Concept:
        matches: dict[int, float] = {}
        for target in targets:
            term = self.word_ids.get(target)
            if term is not None:
                matches[term] = 100.0
        return _Concept(phrase, matches)

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
                word, self.fuzzy_vocabulary, scorer=fuzz.ratio, score_cutoff=_min_similarity(word), limit=8
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


@lru_cache(maxsize=4096)
def _best_synonym_key(word: str) -> str | None:
    match = process.extractOne(word, EVERYDAY_PHRASES.keys(), scorer=fuzz.ratio, score_cutoff=_min_similarity(word) + 5)
    return match[0] if match else None


def _decode(value):
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


_LISTING_DECODER = msgspec.json.Decoder(ServiceSearchResult)


class SearchIndex:
    """A process's search index, kept current by a background task; searches never wait on the database.

    `start()` (the app's lifespan) loads the first snapshot and starts polling the directory revision
    every `poll_seconds`; when another process changed the directory, a new snapshot is built in a
    worker thread and swapped in while searches go on answering from the one in hand. A change made
    through this process (`note_directory_change`) is seen by its next search: that search waits for
    the reload, once.
    """

    def __init__(self, poll_seconds: float = 1.0) -> None:
        self.poll_seconds = poll_seconds
        self._snapshot: _Snapshot | None = None
        self._wanted_revision = 0
        self._lock = asyncio.Lock()
        self._poller: asyncio.Task | None = None
        _LIVE_INDEXES.add(self)

    @property
    def revision(self) -> int:
        """The directory revision this index holds (0 before the first load)."""
        return self._snapshot.revision if self._snapshot else 0

    @property
    def size(self) -> int:
        """How many listings are loaded."""
        return self._snapshot.size if self._snapshot else 0

    async def start(self) -> None:
        """Load the first snapshot and start the background check (call once, from the app's lifespan)."""
        await self.refresh()
        self._poller = asyncio.create_task(self._poll(), name="search-index-poll")

    async def stop(self) -> None:
        """Stop the background check."""
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
            self._poller = None

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self.poll_seconds)
            try:
                await self.refresh()
            except Exception:  # noqa: BLE001 (a database hiccup must not end the background check)
                logger.warning("search index: could not check the directory revision", exc_info=True)

    async def refresh(self) -> _Snapshot:
        """Reload if the database holds a newer revision than the snapshot in hand; return the current one."""
        async with self._lock:
            revision = await _database_revision()
            if self._snapshot is None or self._snapshot.revision != revision:
                self._snapshot = await self._load(revision)
            if self._wanted_revision > revision:
                # The database was reset below a revision this process wrote (tests do): stop waiting for it.
                self._wanted_revision = revision
            return self._snapshot

    async def current(self) -> _Snapshot:
        """The snapshot to search: the one in hand, unless none is loaded yet or this process changed the
        directory since it was built."""
        snapshot = self._snapshot
        if snapshot is None or snapshot.revision < self._wanted_revision:
            snapshot = await self.refresh()
        return snapshot

    def want(self, revision: int) -> None:
        """A change this process committed: the next search must see at least this revision."""
        self._wanted_revision = max(self._wanted_revision, revision)

    @staticmethod
    async def _load(revision: int) -> _Snapshot:
        rows = (
            await SearchDocument.select(
                SearchDocument.service_id,
                SearchDocument.latitude,
                SearchDocument.longitude,
                SearchDocument.categories,
                SearchDocument.facets,
                SearchDocument.text_fields,
                SearchDocument.listing,
            )
            .where(SearchDocument.is_active.eq(True))
            .order_by(SearchDocument.id)
        )
        # Building arrays is CPU work; keep the event loop answering other requests meanwhile.
        return await asyncio.to_thread(_Snapshot, rows, revision)

    async def search(self, query: SearchQuery) -> SearchResults:
        """Filter, score and sort listings; return the requested page."""
        snapshot = await self.current()
        return run_search(snapshot, query)


_LIVE_INDEXES: weakref.WeakSet[SearchIndex] = weakref.WeakSet()


def note_directory_change(revision: int) -> None:
    """Tell this process's search indexes that a change it committed moved the directory to `revision`.

    Call it after the transaction commits (before, another search could reload the old state and
    believe it current)."""
    for index in list(_LIVE_INDEXES):
        index.want(revision)


async def _database_revision() -> int:
    row = await DirectoryRevision.select(DirectoryRevision.revision).where(DirectoryRevision.id == 1).first()
    return row["revision"] if row else 0


def run_search(snapshot: _Snapshot, query: SearchQuery) -> SearchResults:
    """The search itself, on one snapshot (pure, so tests and benchmarks can call it directly)."""
    if snapshot.size == 0:
        return SearchResults(total=0)
    point = (query.latitude, query.longitude) if query.latitude is not None and query.longitude is not None else None
    if point is not None and query.radius_km is not None:
        docs = snapshot.near(*point, query.radius_km)
    else:
        docs = np.arange(snapshot.size, dtype=np.int32)
    keep = None
    if query.categories:
        keep = snapshot.mask(("category", query.categories[0]))[docs]
        for code in query.categories[1:]:
            keep |= snapshot.mask(("category", code))[docs]
    for key in _facet_keys(query):
        facet = snapshot.mask(key)[docs]
        keep = facet if keep is None else keep & facet
    if query.service_ids is not None:
        listed = np.zeros(snapshot.size, dtype=bool)
        listed[[doc for service in query.service_ids for doc in snapshot.service_docs.get(service, ())]] = True
        keep = listed[docs] if keep is None else keep & listed[docs]
    if keep is not None:
        docs = docs[keep]
    if query.open_now:
        now = query.now or dt.datetime.now(dt.UTC)
        docs = docs[np.isin(docs, snapshot.open_docs(now), assume_unique=False)]

    distances = None
    if point is not None:
        cosines = snapshot.cosines(docs, *point)
        # Within the radius is a bound on the cosine; NaN (no coordinates) fails every comparison.
        floor = math.cos(min(query.radius_km / EARTH_RADIUS_KM, math.pi)) if query.radius_km is not None else -2.0
        near_enough = cosines >= floor
        docs = docs[near_enough]
        distances = _kilometres(cosines[near_enough])
        if snapshot.any_approximate:
            # A centroid is no place to measure 10 m from: whole kilometres, and never 0 ("about 1 km"). Ranked
            # by that shown distance too, so "about 3 km" never follows 3.16 km.
            distances = np.where(snapshot.approximate[docs], np.maximum(np.round(distances), NEAR_ENOUGH_KM), distances)

    relevance = words_matched = None
    concepts = snapshot.expand(query.text) if query.text.strip() else []
    if concepts:
        relevance, words_matched = _score(snapshot, docs, concepts)
        matched = relevance > 0
        docs, relevance = docs[matched], relevance[matched]
        if words_matched is not None:
            words_matched = words_matched[matched]
        if distances is not None:
            distances = distances[matched]
    total = len(docs)
    if total == 0:
        return SearchResults(total=0)

    # A listing awaiting re-verification ranks as if it were a little farther and a little less relevant.
    demoted = snapshot.demoted[docs] if snapshot.any_demoted else None
    if distances is not None:
        distances_ranked = distances if demoted is None else distances + demoted * REVERIFICATION_PENALTY_KM
    if relevance is not None:
        relevance_ranked = relevance if demoted is None else relevance - demoted * REVERIFICATION_PENALTY_POINTS
    # The last key sorts first; then nearest first, then the listing's number as the stable tiebreak.
    if distances is not None and relevance is not None:
        ranking = _ranking_distances(distances_ranked, relevance_ranked)
        if words_matched is not None:  # listings matching more of the query's words come first
            ranking += (len(concepts) - words_matched) * _MISSED_WORD_KM
        sort_keys = [docs, distances_ranked, ranking]
    elif distances is not None:
        sort_keys = [docs, distances_ranked]
    elif relevance is not None:
        sort_keys = [docs, -relevance_ranked]
    else:
        sort_keys = [docs]
    order = np.lexsort(sort_keys)
    start = (query.page - 1) * query.per_page
    page_positions = order[start : start + query.per_page]

    page_doc_numbers = docs[page_positions]
    page_docs = page_doc_numbers.tolist()
    count = len(page_docs)
    distance_json = approximate_json = None
    if distances is not None:
        shown = np.round(distances[page_positions], 2)
        if snapshot.any_approximate:
            approximate = snapshot.approximate[page_doc_numbers].tolist()
            approximate_json = [b"true" if flag else b"false" for flag in approximate]
        else:
            approximate_json = [b"false"] * count
        distance_json = _json_numbers(shown.tolist())
    relevance_json = _json_numbers(np.round(relevance[page_positions], 1).tolist()) if relevance is not None else None
    rankings = [
        b'"distance_km":%b,"distance_approximate":%b,"relevance":%b,"match":%b}' % members
        for members in zip(
            distance_json or [b"null"] * count,
            approximate_json or [b"null"] * count,
            relevance_json or [b"null"] * count,
            [_ENCODER.encode(_explain(snapshot, doc, concepts)) for doc in page_docs] if concepts else [b"[]"] * count,
            strict=True,
        )
    ]
    return SearchResults(
        total=total, listing_heads=[snapshot.listing_heads[doc] for doc in page_docs], rankings=rankings
    )


def _ranking_distances(distances: np.ndarray, relevance: np.ndarray) -> np.ndarray:
    """Distances stretched by how weakly each listing matched, for ranking word searches near a place.

    A full-strength match (relevance 100: the words in the name, category or medication) keeps its
    distance; a match only as strong as one in the description (60), or weaker, counts as
    FIELD_MATCH_DISTANCE_FACTOR times as far; those between, in proportion. So nearness leads, and a
    listing can rank ahead of a nearer one (matching as many query words) only if it is at most that
    factor as far; distances under NEAR_ENOUGH_KM count as NEAR_ENOUGH_KM.
    """
    stretch = np.minimum(_STRETCH_AT_ZERO - _STRETCH_PER_POINT * relevance, FIELD_MATCH_DISTANCE_FACTOR)
    return np.maximum(distances, NEAR_ENOUGH_KM) * stretch


def _kilometres(cosines: np.ndarray) -> np.ndarray:
    # Rounding can put a cosine a hair outside [-1, 1]; np.clip costs more than the two bounds.
    return EARTH_RADIUS_KM * np.arccos(np.maximum(np.minimum(cosines, 1.0), -1.0))


def _facet_keys(query: SearchQuery) -> list[tuple[str, str]]:
    keys = []
    if query.taxonomy_term_id:
        keys.append(("term", query.taxonomy_term_id))
    if query.medication:
        keys.append(("medications", query.medication))
    if query.payment:
        keys.append(("payment", query.payment))
    if query.language:
        keys.append(("languages", query.language))
    if query.walk_in:
        keys.append(("walk_in", "true"))
    if query.accepting_new_patients:
        keys.append(("accepting_new_patients", "true"))
    return keys


def _score(snapshot: _Snapshot, docs: np.ndarray, concepts: list[_Concept]) -> tuple[np.ndarray, np.ndarray | None]:
    """Per doc: the mean over concepts of the best similarity × field weight, to one decimal; and, for more
    than one concept (query word), how many of them it matched at all.

    Few candidates (a place was given) are scored from their own terms; many (the whole
    directory) from the postings of the matched terms, whichever touches fewer entries.
    """
    lengths = snapshot.doc_ptr[docs + 1] - snapshot.doc_ptr[docs]
    by_documents = int(lengths.sum())
    by_postings = sum(
        int(snapshot.posting_starts[term + 1] - snapshot.posting_starts[term])
        for concept in concepts
        for term in concept.matches
    )
    count_words = len(concepts) > 1
    if by_documents <= by_postings:
        total, words_matched = _score_by_documents(snapshot, docs, lengths, concepts, count_words)
    else:
        total, words_matched = _score_by_postings(snapshot, docs, concepts, count_words)
    return np.round(total / len(concepts), 1), words_matched


def _score_by_documents(
    snapshot: _Snapshot, docs: np.ndarray, lengths: np.ndarray, concepts: list[_Concept], count_words: bool = True
) -> tuple[np.ndarray, np.ndarray | None]:
    total = np.zeros(len(docs), dtype=np.float32)
    words_matched = np.zeros(len(docs), dtype=np.int16) if count_words else None
    count = int(lengths.sum())
    if count == 0:
        return total, words_matched
    segment_starts = np.cumsum(lengths) - lengths
    entries = np.arange(count) + np.repeat(snapshot.doc_ptr[docs] - segment_starts, lengths)
    terms = snapshot.doc_terms[entries]
    weights = snapshot.doc_weights[entries]
    empty = lengths == 0
    for concept in concepts:
        if not concept.matches:
            continue
        scores = concept.similarities_of(terms) * weights
        best = np.maximum.reduceat(scores, np.minimum(segment_starts, count - 1))
        best[empty] = 0
        total += best
        if words_matched is not None:
            words_matched += best > 0
    return total, words_matched


def _score_by_postings(
    snapshot: _Snapshot, docs: np.ndarray, concepts: list[_Concept], count_words: bool = True
) -> tuple[np.ndarray, np.ndarray | None]:
    if len(docs) == snapshot.size and np.array_equal(docs, np.arange(snapshot.size)):
        position_of = None  # every doc is a candidate in order: its position is its number
        # (a place's neighbourhood can hold every doc too, but in grid order: that needs the mapping)
    else:
        position_of = np.full(snapshot.size, -1, dtype=np.int64)
        position_of[docs] = np.arange(len(docs))
    total = np.zeros(len(docs), dtype=np.float32)
    words_matched = np.zeros(len(docs), dtype=np.int16) if count_words else None
    for concept in concepts:
        best = np.zeros(len(docs), dtype=np.float32)
        for term, similarity in concept.matches.items():
            start, end = snapshot.posting_starts[term], snapshot.posting_starts[term + 1]
            # Doc numbers (int32), then positions among the candidates (int64) when only some are.
            positions: np.ndarray = snapshot.posting_docs[start:end]
            scores = snapshot.posting_weights[start:end] * np.float32(similarity)
            if position_of is not None:
                positions = position_of[positions]
                inside = positions >= 0
                positions, scores = positions[inside], scores[inside]
            np.maximum.at(best, positions, scores)
        total += best
        if words_matched is not None:
            words_matched += best > 0
    return total, words_matched


def _explain(snapshot: _Snapshot, doc: int, concepts: list[_Concept]) -> list[MatchExplanation]:
    """For each query word, the listing word that scored best for this doc, where, and how well."""
    start, end = int(snapshot.doc_ptr[doc]), int(snapshot.doc_ptr[doc + 1])
    own = dict(
        zip(
            snapshot.doc_terms[start:end].tolist(),
            zip(snapshot.doc_weights[start:end].tolist(), snapshot.doc_fields[start:end].tolist(), strict=True),
            strict=True,
        )
    )
    explanations = []
    for concept in concepts:
        best = None
        for term, similarity in concept.matches.items():
            if term in own and (best is None or similarity * own[term][0] > best[1] * own[best[0]][0]):
                best = (term, similarity)
        if best is None:
            continue
        term, similarity = best
        weight, field_index = own[term]
        explanations.append(
            MatchExplanation(
                query_term=concept.query_term,
                matched=snapshot.vocabulary[term],
                field=FIELD_ORDER[field_index],
                similarity=round(similarity),
                score=round(similarity * weight, 1),
            )
        )
    return explanations
