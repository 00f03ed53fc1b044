"""Everyday phrases, in English and Spanish, find the help they name in a 211 directory written in the field's own
words (AIRS terms, program names), judged by the words and categories of the listing that comes first."""

from __future__ import annotations

import pytest

from directory.search.words import EVERYDAY_PHRASES, EverydayPhrase, tokenize
from tests.directory.tucson_211 import (
    ALBUQUERQUE_ZIP,
    LISTINGS,
    PARENT_TERMS,
    TUCSON_ZIP,
    tucson,  # noqa: F401 (the fixture)
)

#: The listing's own words as the fixture wrote them: name, organization, description, its term and the term above.
OWN_WORDS = {
    listing.name: set(
        tokenize(
            " ".join(
                [listing.name, listing.organization, listing.description, listing.term]
                + [name for code, name in PARENT_TERMS if listing.code.startswith(code + ".")]
            )
        )
    )
    for listing in LISTINGS
}


async def search(client, words: str, near: str = TUCSON_ZIP, **params) -> dict:
    response = await client.get("/api/services", params={"search": words, "near": near, "radius_km": 20, **params})
    assert response.status_code == 200, response.text
    return response.json()


def is_of_kind(listing: dict, phrase: EverydayPhrase) -> bool:
    """The listing is what the phrase asks for: its own words include one the phrase stands for, or it is in one
    of the phrase's categories."""
    codes = {category["code"] for category in listing["categories"]}
    return bool(OWN_WORDS[listing["name"]] & set(phrase.words)) or bool(codes & set(phrase.categories))


def test_the_vocabulary_is_large_reviewed_and_bilingual():
    assert len(EVERYDAY_PHRASES) >= 150
    languages = {phrase.language for phrase in EVERYDAY_PHRASES.values()}
    assert languages == {"en", "es"}
    assert sum(phrase.language == "es" for phrase in EVERYDAY_PHRASES.values()) >= 60


@pytest.mark.usefixtures("tucson")
@pytest.mark.parametrize("phrase", list(EVERYDAY_PHRASES.values()), ids=lambda phrase: phrase.phrase)
async def test_each_everyday_phrase_finds_what_it_names(client, phrase):
    body = await search(client, phrase.phrase)
    assert body["total_items"] > 0, phrase
    first = body["contents"][0]
    assert is_of_kind(first, phrase), (phrase, first["name"], first["match"])
    assert not any(m["fuzzy"] for m in first["match"]), "a phrase of the vocabulary is never matched as a typo"


@pytest.mark.usefixtures("tucson")
@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("food stamps", "WEST"),  # tagged Food Stamps/SNAP, its name says nothing
        ("sober living", "Sunrise Sober Living"),
        ("detox", "DETOX"),
        ("ride to doctor", "Medical Rides (NEMT)"),
        ("AA meetings", "Alcoholics Anonymous Meetings"),
        ("where can I eat", "Casa Maria|Food Pantry"),
        ("where can I get narcan near me tonight", "Naloxone Distribution"),
        ("necesito comida cerca de mi", "Food Pantry"),
        ("clinica gratis", "El Rio Community Health Center"),
        ("estampillas de comida", "WEST"),
        ("desintoxicación", "DETOX"),
    ],
)
async def test_the_issues_everyday_queries(client, words, expected):
    body = await search(client, words)
    assert body["contents"][0]["name"] in expected.split("|"), [c["name"] for c in body["contents"][:3]]


@pytest.mark.usefixtures("tucson")
@pytest.mark.parametrize(
    ("words", "expected", "nearer"),
    [
        # The clinics named for naltrexone and dentistry are nearer; the need is buprenorphine, or methadone.
        ("suboxone clinic", "Office-Based Opioid Treatment", "Vivitrol Injection Clinic"),
        ("clínica de metadona", "CODAC Campbell Avenue", "Vivitrol Injection Clinic"),
        ("VA clinic", "Tucson Vet Center", "Vivitrol Injection Clinic"),
    ],
)
async def test_a_word_for_the_kind_of_place_only_qualifies_the_need(client, words, expected, nearer):
    """A word for the kind of place ("clinic", "center", "doctor") beside the words of a need ranks by the need: a
    nearer clinic of another kind does not come first for having the kind word in its name."""
    body = await search(client, words)
    names = [c["name"] for c in body["contents"]]
    assert names[0] == expected, names[:3]
    assert nearer not in names


@pytest.mark.usefixtures("tucson")
@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("veterans", "Tucson Vet Center"),  # tagged only with the target population YN-9000 Veterans
        ("veteranos", "Tucson Vet Center"),
        ("check up", "El Rio Community Health Center"),
        ("doctor without insurance", "El Rio Community Health Center"),
        ("doctor sin seguro", "El Rio Community Health Center"),
        ("psiquiatra", "Psychiatric Clinic|La Frontera Mental Health Counseling"),
    ],
)
async def test_more_everyday_words(client, words, expected):
    """People's words for populations, pills, check-ups and going without insurance find what they mean."""
    body = await search(client, words)
    assert body["contents"][0]["name"] in expected.split("|"), [c["name"] for c in body["contents"][:3]]


@pytest.mark.usefixtures("tucson")
@pytest.mark.parametrize("words", ["addicted to pain pills", "ayuda con las drogas", "fentanyl addiction"])
async def test_words_for_addiction_find_treatment(client, words):
    """Said in people's words, the first three are substance use treatment (the MOUD category)."""
    body = await search(client, words)
    for listing in body["contents"][:3]:
        assert "moud" in {c["code"] for c in listing["categories"]}, (listing["name"], listing["match"])


@pytest.mark.usefixtures("tucson")
@pytest.mark.parametrize("near", [TUCSON_ZIP, ALBUQUERQUE_ZIP])
@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("Methadone Clinics", "CODAC Campbell Avenue"),
        ("Food Stamps/SNAP", "WEST"),
        ("Inpatient Drug Detoxification", "DETOX"),
        ("Soup Kitchens", "Casa Maria"),
    ],
)
async def test_taxonomy_term_names_are_searched_in_hsds_1_and_3(client, near, words, expected):
    """The AIRS term's name, from a 1.1 CSV export or a 3.0 JSON one, ranks its listings first."""
    body = await search(client, words, near=near)
    first = body["contents"][0]
    assert first["name"] == expected, [c["name"] for c in body["contents"][:3]]
    # (each word found in the term's name; "drug detoxification" also says the name DETOX, which may explain it)
    assert {m["field"] for m in first["match"]} <= {"category", "name"}
    assert sum(m["field"] == "category" for m in first["match"]) >= len(first["match"]) - 1


@pytest.mark.usefixtures("tucson")
@pytest.mark.parametrize("near", [TUCSON_ZIP, ALBUQUERQUE_ZIP])
async def test_a_terms_ancestors_are_searched_too(client, near):
    """Tagged Inpatient Drug Detoxification (RX-8450.1000), DETOX is found by RX-8450's name as well, from parent_id
    (3.0) or from the code's level (1.1, whose exports leave parent_id empty)."""
    body = await search(client, "Substance Use Disorder Treatment Programs", near=near, per_page=50)
    detox = next(c for c in body["contents"] if c["name"] == "DETOX")
    assert len(detox["match"]) == 5 and {m["field"] for m in detox["match"]} == {"category"}
