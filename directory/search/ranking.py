"""The ranking: one search on one snapshot, in phases: filter the candidates (place, facets, hours), score
their words, order them, and render the page with each listing's distance and match explanation.

A strong match on a listing's own name (`_strong_name_matches`: someone typed the program's name) comes first.
Otherwise, with a place, nearness leads the ranking and a stronger match may only move a listing ahead of
nearer ones within FIELD_MATCH_DISTANCE_FACTOR (see `_ranking_distances`).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import msgspec
import numpy as np

from directory.geo.earth import EARTH_RADIUS_KM
from directory.schemas import MatchExplanation, ServiceSearchResult
from directory.search.query import ListingFilters, SearchQuery
from directory.search.snapshot import Concept, Snapshot, kilometres
from directory.search.words import EXACT_FLOOR, FIELD_ORDER, FIELD_WEIGHTS, FUZZY_CEILING, FUZZY_SCALE

__all__ = ["FIELD_MATCH_DISTANCE_FACTOR", "NEAR_ENOUGH_KM", "REVERIFICATION_PENALTY_KM", "SearchResults", "run_search"]

#: A listing flagged for re-verification (on independent evidence) ranks as if it were this much farther ...
REVERIFICATION_PENALTY_KM = 10.0
#: ... and, in word searches, as if it matched this many points (of 100) less well: bounded, never last place.
REVERIFICATION_PENALTY_POINTS = 10.0
#: With a place, a better textual match (say the category rather than the description) may rank a listing
#: ahead of a nearer one only when it is at most this many times as far ...
FIELD_MATCH_DISTANCE_FACTOR = 2.0
# The stretch is min(_STRETCH_AT_ZERO - _STRETCH_PER_POINT * relevance, FIELD_MATCH_DISTANCE_FACTOR): 1 at
# relevance 100, the whole factor at a description-only match (60) and below, in proportion between.
_STRETCH_PER_POINT = (FIELD_MATCH_DISTANCE_FACTOR - 1.0) / (100.0 * (1.0 - FIELD_WEIGHTS["description"]))
_STRETCH_AT_ZERO = 1.0 + 100.0 * _STRETCH_PER_POINT
#: Each query word a listing misses puts it this much farther in the ranking: beyond any stretched distance ...
_MISSED_WORD_KM = 1.0e9
#: ... and each it matches only by resemblance (a typo), this much: an exact match always ranks first.
_FUZZY_WORD_KM = 1.0e5
#: ... counting distances under this as this (next door and across the street are equally near).
NEAR_ENOUGH_KM = 1.0
#: A strong name match: at least two query words, and at least this share of them, found in the listing's (or its
#: organization's) name.
NAME_QUERY_SHARE = 0.75


_ENCODER = msgspec.json.Encoder()
_LISTING_DECODER = msgspec.json.Decoder(ServiceSearchResult)


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
class _Candidates:
    """The listings still in the running, with what each phase learnt about them (arrays in step)."""

    docs: np.ndarray
    distances: np.ndarray | None = None
    """Kilometres from the place searched (shown distances: whole km for approximate places); None without one."""
    concepts: list[Concept] = field(default_factory=list)
    relevance: np.ndarray | None = None
    """0-100, the mean over query words of the best match × field weight; None without words."""
    words_matched: np.ndarray | None = None
    """How many of several query words each matched; None for one word or none."""
    words_wanted: int = 0
    """How many query words (and preferences, as "gratis") a listing can match."""
    free: np.ndarray | None = None
    """Whether each listing is free, when the query asks for free help; None otherwise."""
    named: np.ndarray | None = None
    """Whether the query strongly matches each listing's own name; None when it cannot (fewer than two words)."""
    strength: np.ndarray | None = None
    """The relevance with typos counted at their closeness: how strong a field matched, for nearness."""
    fuzzy_words: np.ndarray | None = None
    """How many query words each matched only by resemblance (typos); None without words."""

    def keep(self, mask: np.ndarray) -> None:
        """Drop the candidates where `mask` is false, from every array."""
        self.docs = self.docs[mask]
        for name in ("distances", "relevance", "words_matched", "free", "named", "strength", "fuzzy_words"):
            values = getattr(self, name)
            if values is not None:
                setattr(self, name, values[mask])


def run_search(snapshot: Snapshot, query: SearchQuery) -> SearchResults:
    """The search itself, on one snapshot (pure, so tests and benchmarks can call it directly)."""
    if snapshot.size == 0:
        return SearchResults(total=0)
    candidates = _filter(snapshot, query)
    if query.text.strip():
        _score_words(snapshot, candidates, query.text)
    total = len(candidates.docs)
    if total == 0:
        return SearchResults(total=0)
    order = _order(snapshot, candidates)
    start = (query.page - 1) * query.per_page
    return _render_page(snapshot, candidates, order[start : start + query.per_page], total)


def _filter(snapshot: Snapshot, query: SearchQuery) -> _Candidates:
    """The listings within the radius that pass every filter, with their distances."""
    filters = query.filters
    point = (query.latitude, query.longitude) if query.latitude is not None and query.longitude is not None else None
    if point is not None and query.radius_km is not None:
        docs = snapshot.near(*point, query.radius_km)
    else:
        docs = np.arange(snapshot.size, dtype=np.int32)
    keep = None
    for kind, values in (("category", filters.categories), ("term", filters.taxonomy_term_ids)):
        if values:
            any_of = snapshot.mask((kind, values[0]))[docs]
            for value in values[1:]:
                any_of |= snapshot.mask((kind, value))[docs]
            keep = any_of if keep is None else keep & any_of
    for key in _facet_keys(filters):
        facet = snapshot.mask(key)[docs]
        keep = facet if keep is None else keep & facet
    if filters.service_ids is not None:
        listed = np.zeros(snapshot.size, dtype=bool)
        listed[[doc for service in filters.service_ids for doc in snapshot.service_docs.get(service, ())]] = True
        keep = listed[docs] if keep is None else keep & listed[docs]
    if keep is not None:
        docs = docs[keep]
    if filters.open_now:
        now = query.now or dt.datetime.now(dt.UTC)
        docs = docs[np.isin(docs, snapshot.open_docs(now), assume_unique=False)]
    if point is None:
        return _Candidates(docs)
    cosines = snapshot.cosines(docs, *point)
    # Within the radius is a bound on the cosine; NaN (no coordinates) fails every comparison.
    floor = math.cos(min(query.radius_km / EARTH_RADIUS_KM, math.pi)) if query.radius_km is not None else -2.0
    near_enough = cosines >= floor
    docs = docs[near_enough]
    distances = kilometres(cosines[near_enough])
    if snapshot.any_approximate:
        # A centroid is no place to measure 10 m from: whole kilometres, and never 0 ("about 1 km"). Ranked
        # by that shown distance too, so "about 3 km" never follows 3.16 km.
        distances = np.where(snapshot.approximate[docs], np.maximum(np.round(distances), NEAR_ENOUGH_KM), distances)
    return _Candidates(docs, distances)


def _score_words(snapshot: Snapshot, candidates: _Candidates, text: str) -> None:
    """Score the candidates against the query's words and keep those that match at least one; a query asking
    for free help counts being free as one more word matched (and with no other words, keeps only those)."""
    candidates.concepts = snapshot.expand(text)
    words = [concept for concept in candidates.concepts if not concept.prefers_free]
    prefers_free = len(words) < len(candidates.concepts)
    if prefers_free:
        candidates.free = snapshot.free_mask()[candidates.docs]
    if not words:
        if candidates.free is not None:
            candidates.keep(candidates.free)
        return
    # A word naming the kind of place ("doctor" in "suboxone doctor") only qualifies a word of the vocabulary
    # naming the need: the listings are those matching the need, ranked by how well; missing the kind word costs
    # nothing. Beside other words ("low cost clinic") the kind word is the need.
    need = [concept for concept in words if not concept.names_kind]
    if not any(concept.names_need for concept in need):
        need = words
    scores = _score(snapshot, candidates.docs, need)
    candidates.relevance = np.round(scores.total / len(need), 1)
    candidates.strength = scores.strength / len(need)
    candidates.fuzzy_words = scores.fuzzy_words
    candidates.words_matched = scores.words_matched
    candidates.words_wanted = len(need)
    if candidates.free is not None:
        matched = candidates.words_matched if candidates.words_matched is not None else candidates.relevance > 0
        candidates.words_matched = matched.astype(np.int16) + candidates.free
        candidates.words_wanted += 1
    if len(words) >= 2:
        candidates.named = _strong_name_matches(snapshot, candidates.docs, words)
    candidates.keep(candidates.relevance > 0)


def _order(snapshot: Snapshot, candidates: _Candidates) -> np.ndarray:
    """Positions of the candidates in ranking order: more query words matched first, then nearness stretched
    by match strength (with a place), or relevance (without), then the listing's number as the tiebreak."""
    docs, distances, relevance = candidates.docs, candidates.distances, candidates.relevance
    # A listing awaiting re-verification ranks as if it were a little farther and a little less relevant.
    demoted = snapshot.demoted[docs] if snapshot.any_demoted else None
    if distances is not None and demoted is not None:
        distances = distances + demoted * REVERIFICATION_PENALTY_KM
    if relevance is not None and demoted is not None:
        relevance = relevance - demoted * REVERIFICATION_PENALTY_POINTS
    # The last key sorts first.
    if distances is not None and relevance is not None and candidates.strength is not None:
        strength = candidates.strength
        if demoted is not None:
            strength = strength - demoted * REVERIFICATION_PENALTY_POINTS
        ranking = _ranking_distances(distances, strength)
        # Listings matching more of the query's words come first; then those matching more of them exactly.
        if candidates.words_matched is not None:
            ranking += (candidates.words_wanted - candidates.words_matched) * _MISSED_WORD_KM
        if candidates.fuzzy_words is not None:
            ranking += candidates.fuzzy_words * _FUZZY_WORD_KM
        sort_keys = [docs, distances, ranking]
    elif distances is not None:
        sort_keys = [docs, distances]
    elif relevance is not None:
        sort_keys = [docs, -relevance]
        if candidates.words_matched is not None:
            sort_keys.append(-candidates.words_matched)
    else:
        sort_keys = [docs]
    if candidates.named is not None and distances is not None:
        # The program someone named comes first, however far within the radius (without a place, relevance
        # already puts it near the top).
        sort_keys.append(~candidates.named)
    return np.lexsort(sort_keys)


def _render_page(snapshot: Snapshot, candidates: _Candidates, page_positions: np.ndarray, total: int) -> SearchResults:
    """The page's listings, each with its distance, whether that is approximate, relevance and explanation."""
    page_doc_numbers = candidates.docs[page_positions]
    page_docs = page_doc_numbers.tolist()
    count = len(page_docs)
    distance_json = approximate_json = None
    if candidates.distances is not None:
        shown = np.round(candidates.distances[page_positions], 2)
        if snapshot.any_approximate:
            approximate = snapshot.approximate[page_doc_numbers].tolist()
            approximate_json = [b"true" if flag else b"false" for flag in approximate]
        else:
            approximate_json = [b"false"] * count
        distance_json = _json_numbers(shown.tolist())
    relevance_json = (
        _json_numbers(np.round(candidates.relevance[page_positions], 1).tolist())
        if candidates.relevance is not None
        else None
    )
    concepts = candidates.concepts
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
    stretched: np.ndarray = np.maximum(distances, NEAR_ENOUGH_KM) * stretch
    return stretched


def _facet_keys(filters: ListingFilters) -> list[tuple[str, str]]:
    """The facet masks a listing must be in, one per filter asked."""
    keys = []
    if filters.medication:
        keys.append(("medications", filters.medication))
    if filters.payment:
        keys.append(("payment", filters.payment))
    if filters.language:
        keys.append(("languages", filters.language))
    if filters.walk_in:
        keys.append(("walk_in", "true"))
    if filters.accepting_new_patients:
        keys.append(("accepting_new_patients", "true"))
    return keys


@dataclass
class _WordScores:
    """What scoring the query's words found for each candidate, summed over the words."""

    total: np.ndarray
    """The sum over query words of the best similarity × field weight (typos counted at FUZZY_SCALE)."""
    strength: np.ndarray
    """The same with typos counted at their closeness: how strong a field they matched in, for nearness."""
    fuzzy_words: np.ndarray
    """How many query words matched only weakly: by resemblance (a typo, an unfinished word), or a medication
    a description only mentions."""
    words_matched: np.ndarray | None
    """How many query words matched at all (counted for more than one word)."""

    @classmethod
    def empty(cls, size: int, count_words: bool) -> _WordScores:
        """Nothing found yet."""
        return cls(
            total=np.zeros(size, dtype=np.float32),
            strength=np.zeros(size, dtype=np.float32),
            fuzzy_words=np.zeros(size, dtype=np.int16),
            words_matched=np.zeros(size, dtype=np.int16) if count_words else None,
        )

    def add(self, best: np.ndarray) -> None:
        """One query word's best score per candidate: fuzzy ones are at most FUZZY_CEILING, exact ones at least
        EXACT_FLOOR, a medication a description only mentions between; typos and mentions are weak matches,
        ranked after the exact ones."""
        fuzzy = (best > 0) & (best <= FUZZY_CEILING)
        self.total += best
        self.strength += np.where(fuzzy, best / FUZZY_SCALE, best)
        self.fuzzy_words += (best > 0) & (best < EXACT_FLOOR)
        if self.words_matched is not None:
            self.words_matched += best > 0


def _score(snapshot: Snapshot, docs: np.ndarray, concepts: list[Concept]) -> _WordScores:
    """Per doc, summed over concepts (query words): the best similarity × field weight, with and without the
    typo discount, how many matched by resemblance only, and (for several) how many matched at all.

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
    scores = _WordScores.empty(len(docs), count_words=len(concepts) > 1)
    if by_documents <= by_postings:
        _score_by_documents(snapshot, docs, lengths, concepts, scores)
    else:
        _score_by_postings(snapshot, docs, concepts, scores)
    return scores


def _score_by_documents(
    snapshot: Snapshot, docs: np.ndarray, lengths: np.ndarray, concepts: list[Concept], scores: _WordScores
) -> None:
    count = int(lengths.sum())
    if count == 0:
        return
    segment_starts = np.cumsum(lengths) - lengths
    entries = np.arange(count) + np.repeat(snapshot.doc_ptr[docs] - segment_starts, lengths)
    terms = snapshot.doc_terms[entries]
    weights = snapshot.doc_weights[entries]
    empty = lengths == 0
    for concept in concepts:
        if not concept.matches:
            continue
        similarities = concept.similarities_of(terms) * weights
        best = np.maximum.reduceat(similarities, np.minimum(segment_starts, count - 1))
        best[empty] = 0
        scores.add(best)


def _score_by_postings(snapshot: Snapshot, docs: np.ndarray, concepts: list[Concept], scores: _WordScores) -> None:
    if len(docs) == snapshot.size and np.array_equal(docs, np.arange(snapshot.size)):
        position_of = None  # every doc is a candidate in order: its position is its number
        # (a place's neighbourhood can hold every doc too, but in grid order: that needs the mapping)
    else:
        position_of = np.full(snapshot.size, -1, dtype=np.int64)
        position_of[docs] = np.arange(len(docs))
    for concept in concepts:
        best = np.zeros(len(docs), dtype=np.float32)
        for term, similarity in concept.matches.items():
            start, end = snapshot.posting_starts[term], snapshot.posting_starts[term + 1]
            # Doc numbers (int32), then positions among the candidates (int64) when only some are.
            positions: np.ndarray = snapshot.posting_docs[start:end]
            similarities = snapshot.posting_weights[start:end] * np.float32(similarity)
            if position_of is not None:
                positions = position_of[positions]
                inside = positions >= 0
                positions, similarities = positions[inside], similarities[inside]
            np.maximum.at(best, positions, similarities)
        scores.add(best)


def _explain(snapshot: Snapshot, doc: int, concepts: list[Concept]) -> list[MatchExplanation]:
    """For each query word, the listing word that scored best for this doc, where, how well, and whether it only
    resembles the word typed; for a wish for free help, that the listing is free."""
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
        if concept.prefers_free:
            if (free := snapshot.free_word(doc)) is not None:
                explanations.append(
                    MatchExplanation(
                        query_term=concept.query_term,
                        matched=free[0],
                        field=free[1],
                        similarity=100,
                        score=0.0,
                        fuzzy=False,
                    )
                )
            continue
        best = None
        for term, similarity in concept.matches.items():
            if term in own and (best is None or similarity * own[term][0] > best[1] * own[best[0]][0]):
                best = (term, similarity)
        if best is None:
            continue
        term, similarity = best
        weight, field_index = own[term]
        fuzzy = term in concept.fuzzy
        explanations.append(
            MatchExplanation(
                query_term=concept.query_term,
                matched=snapshot.shown_word(term),
                field=FIELD_ORDER[field_index],
                similarity=round(concept.fuzzy[term] if fuzzy else similarity),
                score=round(similarity * weight, 1),
                fuzzy=fuzzy,
            )
        )
    return explanations


def _strong_name_matches(snapshot: Snapshot, docs: np.ndarray, words: list[Concept]) -> np.ndarray:
    """Whether the query names each listing: in its own name or its organization's, the query finds at least two
    of its words (and NAME_QUERY_SHARE of them), one of them a word of the name's own (not of the vocabulary, as
    "Kolmac"), or else covers the whole name of three words or more ("Addiction Treatment Services"). Typos
    count, so "Kolmak Clinic" names Kolmac Clinic; every site of "STRIDE CHC" is named, nearest first."""
    needed = max(2, math.ceil(NAME_QUERY_SHARE * len(words)))
    named = np.zeros(len(docs), dtype=bool)
    for pointers, name_terms in (
        (snapshot.name_ptr, snapshot.name_terms),
        (snapshot.organization_ptr, snapshot.organization_terms),
    ):
        lengths = pointers[docs + 1] - pointers[docs]
        count = int(lengths.sum())
        if count == 0:
            continue
        segment_starts = np.minimum(np.cumsum(lengths) - lengths, count - 1)
        entries = np.arange(count) + np.repeat(pointers[docs] - (np.cumsum(lengths) - lengths), lengths)
        terms = name_terms[entries]
        covered = np.zeros(count, dtype=bool)
        words_found = np.zeros(len(docs), dtype=np.int16)
        distinctive_found = np.zeros(len(docs), dtype=bool)
        for concept in words:
            if not concept.matches:
                continue
            hit = concept.similarities_of(terms) > 0
            covered |= hit
            found = np.logical_or.reduceat(hit, segment_starts) & (lengths > 0)
            words_found += found
            if concept.distinctive:
                distinctive_found |= found
        covered_count = np.add.reduceat(covered.astype(np.int16), segment_starts) * (lengths > 0)
        coverage = covered_count / np.maximum(lengths, 1)
        whole_name = (coverage >= 1.0) & (covered_count >= 3)
        named |= (words_found >= needed) & (distinctive_found | whole_name)
    return named
