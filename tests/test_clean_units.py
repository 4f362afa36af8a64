"""Building blocks of the cleaning step: headers, answers, municipalities, privacy, schema, log invariant."""

from __future__ import annotations

import pandas as pd
import pytest

from wijkteam_stats.clean import CleaningInvariantError, TidySchemaError, check_log_complete, validate_tidy
from wijkteam_stats.clean.answers import Answers, parse_number, parse_timestamp, split_list
from wijkteam_stats.clean.fold import fold, fold_header, strip_numbering
from wijkteam_stats.clean.headers import HeaderIndex, Target, _option_index
from wijkteam_stats.clean.municipality import MunicipalityResolver, is_test_name
from wijkteam_stats.clean.safety import MASK_PERSONAL, looks_personal, mask_contacts, mask_given
from wijkteam_stats.reconstruct.export_writer import example_tidy
from wijkteam_stats.reference.codebook import load_codebook

CB = load_codebook().for_wave(2015)


# --------------------------------------------------------------------------- folding and headers


@pytest.mark.parametrize(("raw", "want"), [
    ("3. Werkt uw gemeente?", "Werkt uw gemeente?"),
    ("Q3 Werkt", "Werkt"),
    ("V3a) Hoeveel", "Hoeveel"),
    ("vraag 12: Opmerkingen", "Opmerkingen"),
    ("Gemeente", "Gemeente"),
    ("2015 jaar", "2015 jaar"),
])
def test_strip_numbering(raw, want):
    assert strip_numbering(raw) == want


def test_fold():
    assert fold("  Cliëntenorganisaties, -raden  ") == "clientenorganisaties raden"
    assert fold("sociale (wijk)teams?") == "sociale wijkteams"
    assert fold_header("3. WERKT uw gemeente met één of meer sociale (wijk)teams?  ") == \
        "werkt uw gemeente met een of meer sociale wijkteams"


@pytest.fixture(scope="module")
def index() -> HeaderIndex:
    return HeaderIndex(CB)


@pytest.mark.parametrize(("header", "target"), [
    ("Gemeente", Target("value", "gemeente")),
    ("gm_code", Target("value", "gemeente")),
    ("CBS gemeentecode ", Target("value", "gemeente")),
    ("1. Werkt uw gemeente met één of meer sociale (wijk)teams?", Target("value", "has_teams")),
    ("Q2 HOEVEEL SOCIALE (WIJK)TEAMS ZIJN ER IN UW GEMEENTE ACTIEF?  ", Target("value", "n_teams")),
    ("Aantal teams", Target("value", "n_teams")),
    ("E-mailadres", Target("value", "respondent_email")),
    ("team_type__breed_integraal", Target("tick", "team_type", "breed_integraal")),
    ("3. Welk type sociale (wijk)teams heeft uw gemeente? - Breed integraal team (voor alle inwoners en alle vragen)",
     Target("tick", "team_type", "breed_integraal")),
    ("Type team: doelgroepgericht", Target("tick", "team_type", "doelgroepgericht")),
    ("Disciplines [Wmo-consulent]", Target("tick", "discipline", "wmo_consulent")),
    ("Doelstellingen - Vergroten van zelfredzaamheid / burgerkracht", Target("tick", "goal", "zelfredzaamheid")),
    ("Welke disciplines zijn vertegenwoordigd in de sociale (wijk)teams?", Target("list", "discipline")),
    ("Wijkbewoners - Meedenken (geraadpleegd)", Target("grid_tick", "involvement", "wijkbewoners", "meedenken")),
    ("Cliëntenorganisaties, -raden of wijkraden - Geen betrokkenheid",
     Target("grid_tick", "involvement", "clientenorganisaties", "geen")),
    ("Betrokkenheid - Mantelzorgers - Meedoen", Target("grid_tick", "involvement", "mantelzorgers", "meedoen")),
    ("Betrokkenheid [Vrijwilligers] [Meebeslissen]", Target("grid_tick", "involvement", "vrijwilligers", "meebeslissen")),
    ("11. Op welke manier zijn de volgende groepen betrokken bij het sociale (wijk)team? - Ervaringsdeskundigen",
     Target("grid_list", "involvement", "ervaringsdeskundigen")),
    ("Doelgroep van het team", Target("grid_list", "involvement", "doelgroep")),
    ("involvement__wijkbewoners", Target("grid_list", "involvement", "wijkbewoners")),
    ("disciplines maatschappelijk werk", Target("tick", "discipline", "maatschappelijk_werk")),
])
def test_header_matching(index, header, target):
    assert index.match(header) == target


@pytest.mark.parametrize("header", ["Respondent ID", "Browser", "", "Betrokkenheid", "Maatschappelijk werk"])
def test_unknown_headers(index, header):
    assert index.match(header) is None


def test_spss_label_used_when_name_is_unknown(index):
    assert index.match("V7", "Hoeveel sociale (wijk)teams zijn er in uw gemeente actief?") == Target("value", "n_teams")


# --------------------------------------------------------------------------- answers


@pytest.mark.parametrize(("raw", "want"), [
    ("3", 3.0), ("3,0", 3.0), ("2,5", 2.5), ("84%", 84.0), ("1.000", 1000.0), ("1.000,5", 1000.5),
    ("1,000.5", 1000.5), ("1e9", 1e9), ("-3", -3.0), (" 12 ", 12.0), ("veel", None), ("", None), ("inf", None),
])
def test_parse_number(raw, want):
    assert parse_number(raw) == want


@pytest.mark.parametrize(("raw", "want"), [
    ("2015-10-03 14:22:10", pd.Timestamp(2015, 10, 3, 14, 22, 10)),
    ("2015-10-03T14:22", pd.Timestamp(2015, 10, 3, 14, 22)),
    ("03-10-2015 14:22:10", pd.Timestamp(2015, 10, 3, 14, 22, 10)),
    ("3/10/2015 9:05", pd.Timestamp(2015, 10, 3, 9, 5)),
    ("03.10.2015", pd.Timestamp(2015, 10, 3)),
    ("2015-10-03T12:22:10Z", pd.Timestamp(2015, 10, 3, 14, 22, 10)),
    ("42280.5", pd.Timestamp(2015, 10, 3, 12)),
    ("31-02-2015", None), ("gisteren", None),
])
def test_parse_timestamp(raw, want):
    assert parse_timestamp(raw) == want


def test_missing_labels():
    a = Answers(CB)
    for raw in ("", " ", "Weet niet", "geen antwoord", "n.v.t.", "-", "-99", "#N/A"):
        assert a.is_missing(raw), raw
    # 99 and 999 are valid counts (a municipality can have 99 teams), not missing-value codes
    for raw in ("-3", "9", "99", "999", "Ja", "nee"):
        assert not a.is_missing(raw), raw


def test_split_list_with_commas_inside_labels():
    idx = _option_index(CB.variable("team_type").options)
    raw = "Doelgroepgericht team (bijv. jeugd, ouderen, mensen met een beperking), Anders"
    assert split_list(raw, idx) == ({"doelgroepgericht", "anders"}, [])
    assert split_list("breed integraal;  MULTIPROBLEEM ; onzin", idx) == ({"breed_integraal", "multiprobleem"},
                                                                         ["onzin"])
    assert split_list("Anders, namelijk: buurtteams", idx) == ({"anders"}, [])
    groups = _option_index(CB.variable("involvement").groups)
    assert split_list("Cliëntenorganisaties, -raden of wijkraden", groups) == ({"clientenorganisaties"}, [])


# --------------------------------------------------------------------------- municipalities


@pytest.fixture(scope="module")
def resolver() -> MunicipalityResolver:
    return MunicipalityResolver(2015)


@pytest.mark.parametrize(("text", "code"), [
    ("Den Haag", "GM0518"), ("0363", "GM0363"), ("363", "GM0363"), ("gm0363", "GM0363"),
    ("Gemeente Amsterdam", "GM0363"), ("'s-Hertogenbosch", "GM0796"), ("Bergen (NH.)", "GM0373"),
    ("Vianen", "GM0620"), ("GM0620", "GM0620"), ("súdwest-fryslân", "GM1900"),
])
def test_resolver_finds(resolver, text, code):
    assert resolver(text).code == code


def test_resolver_does_not_guess(resolver):
    amb = resolver("Bergen")
    assert amb.code is None and "ambiguous" in amb.reason
    assert any(c.startswith("GM0373") for c in amb.candidates) and any(c.startswith("GM0893") for c in amb.candidates)
    unk = resolver("Amsterdm")
    assert unk.code is None and "unknown" in unk.reason and "Amsterdam" in unk.candidates
    assert resolver("GM9999").code is None


@pytest.mark.parametrize("text", ["test", "Gemeente Test", "testgemeente", "TEST 2", "Test123", "proef", "dummy 1"])
def test_test_names(text):
    assert is_test_name(text)


@pytest.mark.parametrize("text", ["Texel", "Terneuzen", "Best", "Westervoort", "Tholen", "Teylingen"])
def test_real_names_are_not_test_names(text):
    assert not is_test_name(text)


# --------------------------------------------------------------------------- privacy


def test_personal_data_masking():
    assert looks_personal("jan@gemeente.nl") and looks_personal("06-12345678") and looks_personal("+31 6 1234 5678")
    assert not looks_personal("Amsterdam") and not looks_personal("0363") and not looks_personal("01-10-2015")
    assert mask_contacts("mail a.b@c.nl of bel 020 123 4567") == \
        "mail [e-mailadres] of bel [telefoonnummer]"
    assert mask_given("Jan Jansen", ["Jan Jansen", "j@x.nl"]) == MASK_PERSONAL
    assert mask_given("Utrecht", ["Jan Jansen"]) == "Utrecht"


# --------------------------------------------------------------------------- schema


@pytest.fixture(scope="module")
def valid() -> pd.DataFrame:
    return example_tidy(2015, n=30, seed=4)


def test_example_is_valid_and_deterministic(valid):
    assert validate_tidy(valid, 2015) is not None
    pd.testing.assert_frame_equal(example_tidy(2015, n=30, seed=4), valid)
    assert list(valid.columns) == list(CB.tidy_columns())
    assert [str(t) for t in valid.dtypes] == list(CB.tidy_columns().values())
    assert valid["gm_code"].is_monotonic_increasing


def _broken(valid: pd.DataFrame, **changes) -> pd.DataFrame:
    df = valid.copy()
    for col, (row, value) in changes.items():
        df.loc[row, col] = value
    return df


@pytest.mark.parametrize(("change", "message"), [
    ({"n_teams": (0, 101)}, "n_teams"),
    ({"has_teams": (0, "misschien")}, "has_teams"),
    ({"gm_code": (0, "GM9999")}, "gm_code"),
    ({"wave": (0, 2014)}, "wave"),
    ({"toelichting": (0, " spatie")}, "toelichting"),
    ({"involvement__wijkbewoners__geen": (0, True), "involvement__wijkbewoners__meedoen": (0, True)},
     "'geen' excludes the other forms"),
])
def test_schema_rejects(valid, change, message):
    with pytest.raises(TidySchemaError, match=message):
        validate_tidy(_broken(valid, **change), 2015)


def test_schema_rejects_answered_multi_without_tick(valid):
    df = valid.copy()
    row = df.index[df["team_type__breed_integraal"].notna()][0]
    for c in [c for c in df.columns if c.startswith("team_type__")]:
        df.loc[row, c] = False
    with pytest.raises(TidySchemaError, match="team_type: answered means at least one option ticked"):
        validate_tidy(df, 2015)


def test_schema_rejects_wrong_dtypes_order_and_index(valid):
    with pytest.raises(TidySchemaError, match="dtype str, expected string"):
        validate_tidy(valid.astype({"gm_code": "str"}), 2015)
    with pytest.raises(TidySchemaError, match="sorted by gm_code"):
        validate_tidy(valid.iloc[::-1].reset_index(drop=True), 2015)
    with pytest.raises(TidySchemaError, match="RangeIndex"):
        validate_tidy(valid.iloc[1:], 2015)
    with pytest.raises(TidySchemaError, match="missing"):
        validate_tidy(valid.drop(columns="toelichting"), 2015)


# --------------------------------------------------------------------------- log invariant


def test_check_log_complete():
    log = pd.DataFrame({"row": pd.array([2, 3, 5], dtype="Int64"), "action": ["kept", "dropped", "merged"]})
    check_log_complete(log, [2, 3, 5])
    with pytest.raises(CleaningInvariantError, match=r"missing \[4\]"):
        check_log_complete(log, [2, 3, 4, 5])
    twice = pd.DataFrame({"row": pd.array([2, 2, 5], dtype="Int64"), "action": ["kept", "kept", "merged"]})
    with pytest.raises(CleaningInvariantError, match=r"twice \[2\]"):
        check_log_complete(twice, [2, 3, 5])
    bad = log.assign(action=["kept", "lost", "merged"])
    with pytest.raises(CleaningInvariantError, match="valid action"):
        check_log_complete(bad, [2, 3, 5])


def test_clean_survey_enforces_the_invariant(tmp_path, monkeypatch, valid):
    """A bug that loses a log row is caught inside clean_survey, not left to the caller."""
    from wijkteam_stats.clean import clean_survey, cleaner
    from wijkteam_stats.reconstruct.export_writer import write_export

    path = write_export(valid, tmp_path / "x.csv")
    original = cleaner.make_log

    def lossy(*args):
        return original(*args).iloc[1:]

    monkeypatch.setattr(cleaner, "make_log", lossy)
    with pytest.raises(CleaningInvariantError, match="every input row exactly once"):
        clean_survey(path, 2015)
