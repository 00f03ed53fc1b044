"""Typos are forgiven within guard rails: a word of the vocabulary is never read as another ("naloxone" is not
"naltrexone"), short words are never fuzzed, a typo scores below the exact word, and the match says it was one."""

from __future__ import annotations

import pytest

from tests.directory.tucson_211 import TUCSON_ZIP, tucson  # noqa: F401 (the fixture)

pytestmark = pytest.mark.usefixtures("seeded")

BALTIMORE_ZIP = "21201"
DENVER_ZIP = "80204"


async def search(client, words: str, near: str = BALTIMORE_ZIP, **params) -> dict:
    response = await client.get("/api/services", params={"search": words, "near": near, "per_page": 100, **params})
    assert response.status_code == 200, response.text
    return response.json()


def mentions(listing: dict, word: str) -> bool:
    """The listing's own name, description or categories say the word."""
    categories = " ".join(c["name"] for c in listing["categories"])
    return word in f"{listing['name']} {listing['description']} {categories}".casefold()


async def test_naloxone_finds_the_naloxone_listings_and_never_naltrexone_clinics(client):
    """Near 21201 the naltrexone clinics used to fill the first 31 places; the naloxone ones were #32 and #47."""
    body = await search(client, "naloxone")
    assert body["total_items"] >= 2
    assert all(mentions(listing, "naloxone") for listing in body["contents"])
    assert not any(m["matched"] == "naltrexone" for listing in body["contents"] for m in listing["match"])


@pytest.mark.parametrize(("word", "never"), [("naltrexone", "naloxone"), ("methadone", "metadata")])
async def test_a_medication_is_never_read_as_another_word(client, word, never):
    body = await search(client, word)
    assert body["total_items"] > 0
    assert all(mentions(listing, word) or word in listing["medications"] for listing in body["contents"])
    assert {m["matched"] for listing in body["contents"] for m in listing["match"]} & {never} == set()


@pytest.mark.usefixtures("tucson")
@pytest.mark.parametrize(
    ("words", "never", "decoy"),
    [
        ("rental", {"dental"}, "Pima Dental Clinic"),
        ("dental", {"rental", "mental"}, "La Frontera Mental Health Counseling"),
        ("eat", {"heat"}, "Heat Relief Station"),
        ("gratis", {"ratios", "grants"}, "Small Business Grants Office"),
        ("shelter tonight", {"night"}, "Night Owl Laundry"),
    ],
)
async def test_vocabulary_words_are_never_fuzzed_into_one_another(client, words, never, decoy):
    """Near 85701 the nearest listings are the decoys (a dental clinic, a heat relief station, a grants office, a
    late laundry)."""
    body = await search(client, words, near=TUCSON_ZIP, radius_km=20)
    assert body["total_items"] > 0
    matched = {m["matched"] for listing in body["contents"] for m in listing["match"]}
    assert not matched & never, matched
    assert decoy not in [listing["name"] for listing in body["contents"]]


@pytest.mark.usefixtures("tucson")
async def test_gratis_prefers_free_listings_and_is_no_word_to_match(client):
    """Free by its payment field (El Rio) or by its own words ("Free naloxone kits", "Free lawyer")."""
    body = await search(client, "gratis", near=TUCSON_ZIP, radius_km=20)
    names = {listing["name"] for listing in body["contents"]}
    assert {"El Rio Community Health Center", "Naloxone Distribution", "Civil Legal Aid"} <= names
    for listing in body["contents"]:
        assert "free" in listing["payment_accepted"] or mentions(listing, "free")
        assert [(m["matched"], m["field"]) for m in listing["match"]] in (
            [("free", "payment")],
            [("free", "description")],
        )


@pytest.mark.parametrize("words", ["eat", "bed", "rent"])
async def test_short_words_match_only_themselves_or_their_plural(client, words):
    body = await search(client, words)
    for listing in body["contents"]:
        for match in listing["match"]:
            assert match["fuzzy"] is False, match
            if match["matched"].isascii() and match["query_term"] == match["matched"][: len(words)]:
                assert match["matched"] in {words, words + "s"} or match["similarity"] == 100


@pytest.mark.parametrize(
    ("typo", "word", "near"),
    [
        ("bupenorphine", "buprenorphine", DENVER_ZIP),
        ("shleter", "shelter", BALTIMORE_ZIP),
        ("methadon", "methadone", BALTIMORE_ZIP),
    ],
)
async def test_typos_still_find_the_word_and_say_they_were_typos(client, typo, word, near):
    body = await search(client, typo, near=near)
    assert body["total_items"] > 0
    first = body["contents"][0]
    assert mentions(first, word) or word in first["medications"]
    match = first["match"][0]
    assert match["fuzzy"] is True and match["similarity"] < 100 and match["score"] < 60


async def test_a_typo_between_two_medications_is_only_the_closer_one(client):
    body = await search(client, "nalaxone")
    assert body["total_items"] >= 2
    assert {m["matched"] for listing in body["contents"] for m in listing["match"]} == {"naloxone"}


async def test_a_typo_always_scores_below_the_exact_word(client):
    """A typo in the strongest field scores below the exact word in the weakest (the description)."""
    exact = await search(client, "buprenorphine", near=DENVER_ZIP)
    typo = await search(client, "bupenorphine", near=DENVER_ZIP)
    weakest_exact = min(listing["relevance"] for listing in exact["contents"])
    strongest_typo = max(listing["relevance"] for listing in typo["contents"])
    assert strongest_typo < weakest_exact
    assert all(not m["fuzzy"] for listing in exact["contents"] for m in listing["match"])


async def test_a_named_program_with_a_typo_comes_first_whatever_the_distance(client):
    """Most of a program's name, misspelt: that program first, before nearer listings matching part of it."""
    body = await search(client, "Kolmak Clinic", near="21231")
    first = body["contents"][0]
    assert first["organization"]["name"].startswith("Kolmac")
    assert any(m["fuzzy"] and m["matched"] == "kolmac" for m in first["match"])
    nearer = [c for c in body["contents"] if c["distance_km"] < first["distance_km"]]
    assert nearer, "a nearer listing matched part of the name"


async def test_a_word_inside_a_longer_one_is_not_a_typo_of_it(client):
    """'dentist' near Denver found only Porter Adventist Hospital's treatment listing (found by the outside
    review): 'dentist' sits inside 'adventist', but a typo does not drop a first letter."""
    body = await search(client, "dentist", near=DENVER_ZIP)
    assert not any(m["matched"] == "adventist" for listing in body["contents"] for m in listing["match"])
    assert all(mentions(listing, "dent") for listing in body["contents"])
