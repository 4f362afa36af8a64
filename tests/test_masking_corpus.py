"""The masking goal measured on the labelled corpus (tests/data/masking_corpus.tsv): no personal item leaks
and at most 5 % of the harmless texts are masked. benchmarks/bench_masking.py prints the figures per category
and per candidate; this test fails when the masking the cleaning uses regresses."""

from __future__ import annotations

from pathlib import Path

import pytest

from wijkteam_stats.clean.deidentify import KnownPersons, deidentify, find_personal_data
from wijkteam_stats.clean.masking_corpus import load_corpus, measure, parse_item

CORPUS = Path(__file__).parent / "data" / "masking_corpus.tsv"


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(CORPUS)


@pytest.fixture(scope="module")
def scores(corpus):
    return measure(find_personal_data, corpus)


def test_corpus_is_large_and_varied(corpus):
    assert len(corpus) >= 300
    cats = {i.category for i in corpus}
    for c in ("naam-turks", "naam-marokkaans", "naam-surinaams", "naam-fries", "naam-zonder-cue",
              "voornaam-respondent", "email", "bsn", "postcode", "straat-zonder-suffix", "iban",
              "ok-bedrag", "ok-zaaknummer", "ok-telling", "ok-gemeente", "ok-dienst"):
        assert c in cats, c
    assert sum(i.harmless for i in corpus) >= 150 and sum(not i.harmless for i in corpus) >= 150


def test_no_personal_item_leaks(scores):
    assert scores["all"].labelled >= 190
    assert scores["all"].leaks == []
    assert scores["all"].recall == 1.0


def test_at_most_five_percent_of_harmless_texts_masked(scores):
    harmless = scores["harmless"]
    assert harmless.texts >= 150
    assert harmless.texts_masked / harmless.texts <= 0.05, "\n".join(harmless.overmasked)


def test_every_mask_lands_on_personal_data(scores):
    assert scores["all"].precision >= 0.95


def test_the_issue_examples_in_full():
    """The writings of the hostile test that leaked or were over-masked, as masked text."""
    cases = {
        "groet, Ayşe Yılmaz": "groet, [naam]",
        "mevrouw Şahin belde": "mevrouw [naam] belde",
        "mail k bakker (a) zaanstad . nl": "mail [e-mailadres]",
        "mail k.bakker at zaanstad dot nl": "mail [e-mailadres]",
        "BSN 1234 56 782 en 111-222-333": "BSN [BSN] en [BSN]",
        "postcode 5038EA12": "postcode [adres]",
        "Neude 11, Spui 70 en Lange Voorhout 9": "[adres] en [adres]",  # next to each other: one
        "iban nl91abna0417164300 of NL91-ABNA-0417-1643-00": "iban [IBAN] of [IBAN]",
        "Sandra Kromodimedjo coördineert de teams.": "[naam] coördineert de teams.",
        "bedrag € 123.456.782": "bedrag € 123.456.782",
        "zaaknummer 123456782": "zaaknummer 123456782",
        "Hoofdstraat 3 teams": "Hoofdstraat 3 teams",
        "Bel Zorgloket Venray": "Bel Zorgloket Venray",
        "naam: Buurtteam Oost": "naam: Buurtteam Oost",
        "groet, Beleidsteam Zorg": "groet, Beleidsteam Zorg",
    }
    for text, want in cases.items():
        assert deidentify(text)[0] == want, text
    karin = KnownPersons.from_values(["Karin Bakker"])
    assert deidentify("groetjes karin", karin) == ("groetjes [naam]", {"naam": 1})


def test_long_text_is_withheld_whole():
    text, counts = deidentify("Geen opmerkingen. " * 2000)
    assert text == "[lange tekst weggelaten]" and counts == {"lange tekst": 1}


@pytest.mark.parametrize(("line", "message"), [
    ("naam-nl\t\tgroet", "category 'naam-nl' and the marks disagree"),
    ("ok-gewoon\t\tgroet {{naam:Jan}}", "category 'ok-gewoon' and the marks disagree"),
    ("naam-nl\t\tgroet {{persoon:Jan}}", "unknown kind 'persoon'"),
    ("naam-nl\tgroet {{naam:Jan}}", "expected 3 tab-separated columns, got 2"),
])
def test_malformed_corpus_lines_are_named(line, message):
    with pytest.raises(ValueError, match=message):
        parse_item(7, line, "corpus.tsv")


def test_measure_counts_a_partial_mask_as_a_leak():
    item = parse_item(1, "naam-nl\t\tgroet, {{naam:Ayşe Yılmaz}}")
    scores = measure(lambda text, known: [(7, 11, "naam")], [item])  # only "Ayşe"
    assert scores["all"].leaked == 1 and scores["all"].precision == 1.0
