"""Part B of the zelfscan as data: every quote is in the handreiking, the rules refer to what exists and fire
on the answers they describe."""

from __future__ import annotations

import copy

import pytest
import yaml

from wijkteam_stats.reference import handreiking, paths
from wijkteam_stats.reference.codebook import load_codebook


def test_items_file_holds_the_handreikings_structure():
    h = handreiking.load_handreiking()
    assert [r["label"] for r in h.roles] == ["Signaleren", "Uitvoeren", "Meedenken en adviseren", "Beslissen"]
    assert [len(r["items"]) for r in h.roles] == [1, 6, 3, 3]
    assert [c["label"] for c in h.criteria["items"]] == [
        "Outreachend werken", "Onafhankelijke cliëntondersteuning", "Zelfregie", "Steun aan informele initiatieven",
        "Burgervriendelijke werkwijze"]
    assert len(h.examples["items"]) == 9 and len(h.items()) == 13 + 5 + 9
    places = {e["place"]: e["status"] for e in h.local_examples}
    assert places == {"Eindhoven": "gebeurt", "Arnhem, wijk Presikhaaf": "voornemen", "Nijmegen": "gebeurt",
                      "Zaanstad": "gebeurt", "Groningen": "gebeurt"}


def _load(tmp_path, data):
    p = tmp_path / "items.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    cb = load_codebook()
    src = (paths.ROOT / data["source"]["file"]).read_text(encoding="utf-8")
    return handreiking.validate(data, str(p), src, set(cb.tidy_columns()), {"meedoen", "meebeslissen"})


def test_a_quote_not_in_the_source_or_a_rule_on_an_unknown_item_is_refused(tmp_path):
    data = yaml.safe_load(handreiking.ITEMS_FILE.read_text(encoding="utf-8"))
    bad = copy.deepcopy(data)
    bad["roles"][0]["items"][0]["quote"] = "Burgers beslissen over alles."
    with pytest.raises(ValueError, match="sig_signalen.*does not occur"):
        _load(tmp_path, bad)
    bad = copy.deepcopy(data)
    bad["rules"][0]["when"] = {"item": "no_such_item", "in": ["gebeurt"]}
    with pytest.raises(ValueError, match="rule R01: unknown item 'no_such_item'"):
        _load(tmp_path, bad)
    bad = copy.deepcopy(data)
    bad["rules"][0]["when"] = {"answer": "no_column", "equals": True}
    with pytest.raises(ValueError, match="unknown answer 'no_column'"):
        _load(tmp_path, bad)


def test_rules_fire_on_the_answers_they_describe():
    h = handreiking.load_handreiking()
    all_yes = {it["code"]: "gebeurt" for it in h.items()}
    assert handreiking.gespreksagenda(all_yes, {"monitors_teams": True}) == []
    answers = {**all_yes, "bes_benoemen": "gebeurt_niet", "bes_werkplan": "gebeurt_niet",
               "bes_evalueren": "weet_niet", "crit_clientondersteuning": "gedeeltelijk"}
    points = handreiking.gespreksagenda(answers, {"monitors_teams": False})
    assert [p["id"] for p in points] == ["R01", "R05", "R11"]
    assert points[0]["point"].startswith("U betrekt geen bewoners bij beslissen")
    assert points[0]["rule"] == ("geen enkele activiteit onder de rol 'Beslissen' is beantwoord met 'gebeurt' of "
                                 "'gedeeltelijk'")
    assert points[0]["quote"].startswith("In de meest vegaande vorm") and points[0]["section"] == "3d"
    # a role with an unanswered item does not fire; involvement rules read the Part A grid
    assert "R01" not in [p["id"] for p in handreiking.gespreksagenda({**answers, "bes_evalueren": None}, {})]
    grid = {f"involvement__{g}__{f}": (f == "geen") for g in ("wijkbewoners", "vrijwilligers", "mantelzorgers",
                                                             "doelgroep") for f in ("meebeslissen", "geen")}
    ids = [p["id"] for p in handreiking.gespreksagenda(all_yes, grid)]
    assert ids == ["R13", "R14"]
