"""PII suite: personal data in free text is masked (realistic Dutch sentences), ordinary text stays intact,
every masking is counted, and the step is linear in the text length."""

from __future__ import annotations

import time
from collections import Counter

import pandas as pd
import pytest
from test_profile import fake_expectations, fake_tidy, mark_provenance, teams_answers

from wijkteam_stats.clean.answers import Answers, parse_choice, split_namelijk
from wijkteam_stats.clean.deidentify import (
    NOBODY,
    PLACEHOLDERS,
    KnownPersons,
    deidentify,
    describe_counts,
    find_personal_data,
    mask,
    placeholder_counts,
)
from wijkteam_stats.clean.headers import HeaderIndex
from wijkteam_stats.clean.shapes import _clean_html
from wijkteam_stats.reference.codebook import load_codebook
from wijkteam_stats.report import profile

KAREN = KnownPersons.from_values(["Karin Bakker", "k.bakker@zaanstad.nl", "06-12345678"])
JAN = KnownPersons.from_values(["J.P. van der Berg", "jp.vdberg@gemeente.nl"])

# --------------------------------------------------------------------------- what is masked


@pytest.mark.parametrize(("text", "want"), [
    # e-mail
    ("mail k.bakker@zaanstad.nl voor vragen", "mail [e-mailadres] voor vragen"),
    ("Mail: info@wijkteam-zaanstad.nl.", "Mail: [e-mailadres]."),
    ("(zie Piet.de.Vries+enquete@gemeente.amsterdam.nl)", "(zie [e-mailadres])"),
    ("adres: jan_jansen@hotmail", "adres: [e-mailadres]"),
    ("mail k.bakker [at] zaanstad [dot] nl graag", "mail [e-mailadres] graag"),
    ("k.bakker(at)zaanstad.nl.", "[e-mailadres]."),
    # phone numbers, Dutch writings
    ("bel 06-12345678", "bel [telefoonnummer]"),
    ("Bel mij: 0612345678 of later", "Bel mij: [telefoonnummer] of later"),
    ("telefoon 06 - 1234 5678", "telefoon [telefoonnummer]"),
    ("06 12 34 56 78 (alleen ochtend)", "[telefoonnummer] (alleen ochtend)"),
    ("06-12-34-56-78", "[telefoonnummer]"),
    ("Secretariaat (030) 286 10 00.", "Secretariaat [telefoonnummer]."),
    ("tel.: 020-1234567, fax 020 - 123 45 68", "tel.: [telefoonnummer], fax [telefoonnummer]"),
    ("030/2861000", "[telefoonnummer]"),
    ("0513 - 61 23 45", "[telefoonnummer]"),
    ("gratis: 0800-1234 of 0900 123 45 67", "gratis: [telefoonnummer] of [telefoonnummer]"),
    # phone numbers, international
    ("+31 6 1234 5678", "[telefoonnummer]"),
    ("+31 (0)20 123 4567", "[telefoonnummer]"),
    ("+31612345678", "[telefoonnummer]"),
    ("0031 6 12345678", "[telefoonnummer]"),
    ("0031-20-1234567", "[telefoonnummer]"),
    ("in België: +32 2 123 45 67", "in België: [telefoonnummer]"),
    ("Duitsland 0049 30 1234567", "Duitsland [telefoonnummer]"),
    # BSN (11-proef), IBAN (mod 97)
    ("BSN 123456782 van de cliënt", "BSN [BSN] van de cliënt"),
    ("bsn: 1234.56.782", "bsn: [BSN]"),
    ("sofinummer 123 456 782", "sofinummer [BSN]"),
    ("IBAN NL91 ABNA 0417 1643 00 t.n.v. de stichting", "IBAN [IBAN] t.n.v. de stichting"),
    ("rekening NL91ABNA0417164300.", "rekening [IBAN]."),
    ("BE68 5390 0754 7034", "[IBAN]"),
    ("DE89 3704 0044 0532 0130 00", "[IBAN]"),
    # postcode + house number, street + house number
    ("Dorpsstraat 12a, 1234 AB Zaanstad", "[adres] Zaanstad"),
    ("ik woon op 1234AB 12", "ik woon op [adres]"),
    ("postcode 3511 LX, nr. 4", "postcode [adres]"),
    ("Kerkweg 3-5 in Oost", "[adres] in Oost"),
    # names after greetings, signatures, titles and contact labels
    ("Met vriendelijke groet,\nKarin Bakker\nBeleidsmedewerker", "Met vriendelijke groet,\n[naam]\nBeleidsmedewerker"),
    ("groet, Karin Bakker", "groet, [naam]"),
    ("Groeten van Els", "Groeten [naam]"),  # deduce reads "van Els" as the name: one masking either way
    ("mvg Piet Jansen", "mvg [naam]"),
    ("Gr. Anouk", "Gr. [naam]"),
    ("contactpersoon: J. de Vries", "contactpersoon: [naam]"),
    ("Contactpersoon is Fatima El Amrani.", "Contactpersoon is [naam]."),
    ("ingevuld door Sanne Visser (beleid)", "ingevuld door [naam] (beleid)"),
    ("Naam: Mohammed Yilmaz", "Naam: [naam]"),
    ("volgens mevrouw Jansen klopt dit", "volgens mevrouw [naam] klopt dit"),
    ("dhr. P. van Dam zei dat", "dhr. [naam] zei dat"),
    ("mw. De Boer en meneer Smit", "mw. [naam] en meneer [naam]"),
    ("de heer Van den Heuvel", "de heer [naam]"),
    ("vraag naar Anna de Groot", "vraag naar [naam]"),
    ("neem contact op met Piet Jansen", "neem contact op met [naam]"),
    ("bel Tom Peters even", "bel [naam] even"),
])
def test_personal_data_is_masked(text, want):
    assert mask(text) == want


@pytest.mark.parametrize(("text", "known", "want"), [
    ("bel Karin Bakker op 06-12345678 of mail k.bakker@zaanstad.nl",
     KAREN, "bel [naam] op [telefoonnummer] of mail [e-mailadres]"),
    ("Karin vond het een goed plan", KAREN, "[naam] vond het een goed plan"),
    ("Volgens Bakker is het team te klein", KAREN, "Volgens [naam] is het team te klein"),
    ("K. Bakker en KARIN BAKKER en karin bakker", KAREN, "[naam] en [naam] en [naam]"),
    ("Bakker, Karin", KAREN, "[naam]"),
    ("J.P. van der Berg heeft dit ingevuld", JAN, "[naam] heeft dit ingevuld"),
    ("volgens Van der Berg niet", JAN, "volgens [naam] niet"),
    ("zie jp.vdberg@gemeente.nl", JAN, "zie [e-mailadres]"),
    ("een bakker op de hoek", KAREN, "een bakker op de hoek"),  # a lower-case word is no name
    ("Bakkerij en Karinahof", KAREN, "Bakkerij en Karinahof"),  # only whole words
    ("Volgens Bakker klopt het", KnownPersons.from_values(["k.bakker@zaanstad.nl"]), "Volgens [naam] klopt het"),
    ("Wijkteam Oost en Info", KnownPersons.from_values(["wijkteam.oost@x.nl", "info@x.nl"]), "Wijkteam Oost en Info"),
])
def test_names_known_from_the_row(text, known, want):
    assert mask(text, known) == want


# --------------------------------------------------------------------------- what stays


@pytest.mark.parametrize("text", [
    "In 2015 werkten 603 teams in 12 wijken; 84% van de gemeenten deed mee.",
    "Sinds 01-01-2015 (decentralisatie) en 03-10-2015 14:22 is er een tweede team.",
    "Budget: € 1.250.000 voor 2015-2017, 0,5 fte per team, 1 op de 3 inwoners.",
    "Het team heet \"Samen Sterk\" en werkt wijkgericht.",
    "Wij werken samen met de buurgemeente en het CJG; zie www.zaanstad.nl/wijkteams.",
    "bel het wijkteam of mail het CJG",
    "bel Zaanstad of Moerdijk",
    "bel Amsterdam Zuid of mail Den Haag",
    "via HR Zaanstad en de data (at) random",
    "Groeten van het hele team!",
    "Moerdijk 5 teams, Rotterdam 42 teams, Eindhoven 12 teams.",
    "Uitvoering 2015 en Financiering 2016 volgen in de Marktstraat.",
    "Postbus 123, Zaanstad",
    "Tabel 3 toont 1234 respondenten; vraag 12a en 12b zijn samengevoegd.",
    "Artikel 2.3 Wmo 2015; 100-150 cliënten per maand.",
    "@wijkteam: graag terugkoppeling",
    "Het sociaal wijkteam Oost werkt met Loket Zorg en Welzijn.",
    "De Vries-regeling is afgeschaft.",  # capitalised, but no cue: kept
    "123456789 is geen BSN; NL00 ABNA 0000 0000 0X ook geen IBAN.",
])
def test_ordinary_text_stays_intact(text):
    out, counts = deidentify(text, KAREN)
    assert out == text and not counts


def test_bsn_needs_the_elfproef_and_iban_its_checksum():
    assert mask("BSN 123456782") == "BSN [BSN]"
    assert mask("BSN 123456783") == "BSN 123456783"  # one digit off: fails the 11-proef
    assert mask("111222333") == "[BSN]"  # 9+8+7·... passes the 11-proef: masked even without "BSN"
    assert mask("NL91 ABNA 0417 1643 00") == "[IBAN]"
    bad = mask("NL92 ABNA 0417 1643 00")  # wrong check digits: no IBAN (the digits read as a phone number)
    assert "[IBAN]" not in bad and bad.startswith("NL92 ABNA")


def test_every_masking_is_counted_per_kind():
    text = ("Groet, Karin Bakker. Bel 06-12345678 of (030) 286 10 00, mail k.bakker@zaanstad.nl; "
            "BSN 123456782, IBAN NL91ABNA0417164300, Dorpsstraat 12, 1234 AB Zaanstad.")
    out, counts = deidentify(text, KAREN)
    assert out == ("Groet, [naam]. Bel [telefoonnummer] of [telefoonnummer], mail [e-mailadres]; "
                   "BSN [BSN], IBAN [IBAN], [adres] Zaanstad.")
    assert counts == Counter({"telefoonnummer": 2, "naam": 1, "e-mailadres": 1, "bsn": 1, "iban": 1, "adres": 1})
    assert describe_counts(counts) == "e-mailadres 1, iban 1, telefoonnummer 2, bsn 1, adres 1, naam 1"
    assert placeholder_counts(out) == counts
    assert [k for _, _, k in find_personal_data(text, KAREN)] == [
        "naam", "telefoonnummer", "telefoonnummer", "e-mailadres", "bsn", "iban", "adres"]


def test_masked_text_is_stable():
    text = "bel Karin Bakker op 06-12345678 of mail k.bakker@zaanstad.nl"
    once = mask(text, KAREN)
    assert mask(once, KAREN) == once  # placeholders are never masked again
    assert set(PLACEHOLDERS.values()) >= {"[naam]", "[telefoonnummer]", "[e-mailadres]"}


def test_known_persons_ignore_empty_values_and_titles():
    assert KnownPersons.from_values([None, "", "  "]) == NOBODY
    k = KnownPersons.from_values(["drs. A. (Annemieke) de Wit-Jansen"])
    assert mask("Annemieke de Wit-Jansen belde", k) == "[naam] belde"
    assert mask("volgens Jansen en De Wit", k) == "volgens [naam] en [naam]"


# --------------------------------------------------------------------------- linear time


def _linear_cases(n: int) -> dict[str, str]:
    sentence = ("Het wijkteam in Zaanstad werkt sinds 2015 met 12 teams; bel 06-12345678 of mail "
                "info@x.nl. Groet, Karin Bakker. ")
    return {
        "one long word (old e-mail pattern: quadratic)": "a" * n,
        "dotted word": "a." * (n // 2),
        "at signs": ("a" * 40 + "@") * (n // 41),
        "spaces": " " * n,
        "digits with separators": "0-" * (n // 2),
        "capitalised words": "Aaaa " * (n // 5),
        "realistic answer": sentence * (n // len(sentence)),
    }


def test_one_megabyte_cell_is_masked_in_linear_time():
    """A regression guard against quadratic blow-up (the old e-mail pattern took about an hour on 1 MB);
    timings themselves are printed by benchmarks/bench_deidentify.py."""
    for name, text in _linear_cases(1_000_000).items():
        start = time.perf_counter()
        deidentify(text, KAREN)
        seconds = time.perf_counter() - start
        assert seconds < 5, f"{name}: {seconds:.1f} s for 1 MB"


def test_namelijk_split_is_linear_and_unchanged():
    assert split_namelijk("Anders, namelijk: via het CJG") == ("Anders", "via het CJG")
    assert split_namelijk("Ja namelijk - kwartaalrapportages") == ("Ja", "kwartaalrapportages")
    assert split_namelijk("Anders") is None
    cb = load_codebook()
    v = cb.variable("has_teams")
    spaces = "Anders" + " " * 1_000_000 + "x"  # the old lazy pattern was quadratic in this run of spaces
    start = time.perf_counter()
    parsed = parse_choice(pd.Series([spaces]), v, Answers(cb))
    assert time.perf_counter() - start < 5
    assert parsed.values.isna().all()


def test_reports_mask_free_text_of_a_table_cleaned_elsewhere(tmp_path):
    """Defence in depth: a tidy parquet that did not come through this cleaning (another tool, an older run)
    reaches the report numbers only masked, and only when a reviewed list releases the masked text."""
    text = "Bel 06-12345678 of mail k.bakker@zaanstad.nl; groet, Karin Bakker"
    survey = tmp_path / "elsewhere_2015.parquet"  # real data: only then are free-text answers in the numbers
    fake_tidy(["GM0363", "GM0003"], overrides={"GM0363": teams_answers(3, toelichting=text)}).to_parquet(survey)
    mark_provenance(survey, synthetic=False)
    exp = tmp_path / "expected.csv"
    fake_expectations().to_csv(exp, index=False)
    assert profile.build_numbers("GM0363", 2015, survey, exp)["answers"]["toelichting"] is None  # not released
    masked = "Bel [telefoonnummer] of mail [e-mailadres]; groet, [naam]"
    reviewed = tmp_path / "reviewed.csv"
    reviewed.write_text(f'wave,gm_code,column,text\n2015,GM0363,toelichting,"{masked}"\n', encoding="utf-8")
    numbers = profile.build_numbers("GM0363", 2015, survey, exp, reviewed)
    assert numbers["answers"]["toelichting"] == masked
    assert numbers["free_text"]["released"] == ["toelichting"]


def test_header_matching_is_linear_in_a_run_of_spaces():
    """The header separator patterns start with \\s* / \\s+: on a long run of spaces they were quadratic
    (20 000 spaces took about 20 s); whitespace is collapsed before they run."""
    index = HeaderIndex(load_codebook())
    start = time.perf_counter()
    assert index.match(" " * 1_000_000 + "x : y") is None
    assert index.match("Naam" + " " * 500_000 + "respondent").variable == "respondent_naam"
    assert time.perf_counter() - start < 5
    assert index.match("1. Werkt uw gemeente  met   één of meer sociale (wijk)teams?").variable == "has_teams"


def test_html_tags_in_headers_are_stripped_in_linear_time():
    """Tag stripping of survey-tool headers: "<[^>]+>" was quadratic in a run of "<"."""
    start = time.perf_counter()
    assert _clean_html("<" * 1_000_000) == "<" * 1_000_000
    assert time.perf_counter() - start < 5
    assert _clean_html("Werkt uw <b>gemeente</b> met&nbsp;teams?") == "Werkt uw gemeente met teams?"
