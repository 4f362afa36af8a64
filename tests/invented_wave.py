"""A small invented survey wave (2016), built from files alone, for tests of the wave-generic pipeline.

:func:`build_invented_wave` makes a project root under a temporary folder: a copy of ``data/raw`` where the
large read-only folders are linked, plus the data entries a new wave needs and nothing else:

- ``data/raw/published/movisie_2016.csv``: nine invented published figures (60 of 390 municipalities
  responded; one new question, one new topic, a verbal row, a reference figure of 2015, a panel row "half of
  them also answered 2015" and a category the wave worded its own way);
- ``data/raw/waves.yaml``: the 2016 settings (register year, fieldwork, seed, breakdowns);
- ``data/raw/codebook_movisie.yaml``: one new yes/no question (``dedicated_budget``), ``monitors_teams``
  (a 2015 question) marked as asked in 2016 too, and the 2016 wording of the target-group team option;
- ``data/raw/survey/``: empty; :func:`link_earlier_surveys` adds the shipped exports of the earlier waves (the
  panel row links to 2015's respondents);
- ``data/raw/published/vocabulary.yaml``: one new topic (``budget``).

Point the package at it with ``WIJKTEAM_ROOT=<root>`` (a subprocess: ``paths`` is fixed at import) or pass
the files as parameters. The figures are invented; they describe no real survey.
"""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import yaml

from wijkteam_stats.reference import paths

WAVE = 2016
COLUMNS = ["finding_id", "wave", "topic", "variable", "category", "breakdown", "statistic", "value",
           "qualifier", "universe", "base", "base_n", "source", "quote"]
HT = {"topic": "prevalence", "variable": "has_teams", "category": "works with sociale (wijk)teams"}
#: The 2016 wording of the target-group team option (2015: "target-group specific teams").
REWORDED = "teams for one target group"
LABEL_2016 = "Doelgroepteam (voor één doelgroep)"

#: The invented published figures of wave 2016 (every numeric row has an integer solution).
ROWS = [
    {"finding_id": "F2016-001", "wave": WAVE, "topic": "response", "variable": "n_respondents",
     "category": "responding municipalities", "breakdown": "all", "statistic": "count", "value": "60",
     "qualifier": "exact", "universe": "invited"},
    {"finding_id": "F2016-002", "wave": WAVE, "topic": "response", "variable": "response_rate",
     "category": "responding municipalities", "breakdown": "all", "statistic": "percent", "value": "15",
     "qualifier": "rounded", "universe": "invited"},
    {"finding_id": "F2016-003", "wave": WAVE, **HT, "breakdown": "all", "statistic": "percent", "value": "80",
     "qualifier": "rounded", "universe": "respondents", "base_n": "60"},
    {"finding_id": "F2016-004", "wave": WAVE, **HT, "breakdown": "G32", "statistic": "percent", "value": "100",
     "qualifier": "rounded", "universe": "respondents"},
    {"finding_id": "F2016-005", "wave": WAVE, "topic": "team_type", "variable": "team_type",
     "category": REWORDED, "breakdown": "all", "statistic": "percent", "value": "25",
     "qualifier": "rounded", "universe": "with_teams"},
    {"finding_id": "F2016-006", "wave": WAVE, "topic": "budget", "variable": "dedicated_budget",
     "category": "team has its own budget", "breakdown": "all", "statistic": "percent", "value": "40",
     "qualifier": "rounded", "universe": "with_teams"},
    {"finding_id": "F2016-007", "wave": WAVE, "topic": "monitoring", "variable": "monitors_teams",
     "category": "monitors what the teams do", "breakdown": "all", "statistic": "verbal", "value": "",
     "qualifier": "verbal", "universe": "with_teams",
     "base": "municipalities with teams ('iets minder dan de helft'; below 50 %)"},
    {"finding_id": "F2016-008", "wave": WAVE, "topic": "response", "variable": "also_answered",
     "category": "also answered wave 2015", "breakdown": "all", "statistic": "percent", "value": "50",
     "qualifier": "rounded", "universe": "respondents"},
    {"finding_id": "F2016-101", "wave": 2015, **HT, "breakdown": "all", "statistic": "percent", "value": "87",
     "qualifier": "rounded", "universe": "respondents", "base": "responding municipalities (2015 wave)"},
]

WAVE_SETTINGS = {
    "register_year": WAVE,
    "fieldwork": {"start": "2016-09-01", "end": "2016-10-31", "label": "najaar 2016 (verzonnen)"},
    "report": "Invented wave for tests; no such publication.",
    "seed": 2016,
    "breakdowns": {"membership_dates": ["2016-01-01"], "g4": ["in_other", "apart"],
                   # both placements of the G4 fit the figures: with several fitting readings one must be declared
                   "reading": {"membership_date": "2016-01-01", "g4": "in_other"}},
}

NEW_VARIABLE = {
    "name": "dedicated_budget", "type": "yesno", "question": "Heeft het sociale (wijk)team een eigen budget?",
    "aliases": ["eigen budget", "heeft het team een eigen budget", "dedicated_budget"],
    "published": {"variable": "dedicated_budget", "category": "team has its own budget"},
    "waves": [WAVE],
}


def build_invented_wave(base: Path) -> dict:
    """Build the project root of the invented wave under ``base``; returns root, wave, env and file paths."""
    root = Path(base) / "project"
    raw = root / "data" / "raw"
    raw.mkdir(parents=True)
    for name in ("cbs", "geo", "sources", "zelfscan"):
        os.symlink(paths.RAW / name, raw / name, target_is_directory=True)
    for name in ("licences.yaml", "datapackage_fields.yaml"):  # the site's data package and licences
        if (paths.RAW / name).is_file():
            os.symlink(paths.RAW / name, raw / name)
    (raw / "survey").mkdir()
    shutil.copytree(paths.RAW_PUBLISHED, raw / "published")
    (root / "data" / "processed").mkdir()
    for name in ("pyproject.toml", "CITATION.cff", "LICENSE", "LICENSES.md"):  # the site cites the project
        if (paths.ROOT / name).is_file():
            shutil.copy2(paths.ROOT / name, root / name)
    if (paths.ROOT / "notebooks").is_dir():
        os.symlink(paths.ROOT / "notebooks", root / "notebooks", target_is_directory=True)

    with open(raw / "published" / f"movisie_{WAVE}.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        for r in ROWS:
            w.writerow({c: r.get(c, "all" if c == "breakdown" else "") for c in COLUMNS}
                       | {"source": "invented", "quote": "verzonnen voor een test"})

    settings = yaml.safe_load(paths.WAVES.read_text(encoding="utf-8"))
    settings["waves"][WAVE] = WAVE_SETTINGS
    (raw / "waves.yaml").write_text(yaml.safe_dump(settings, allow_unicode=True, sort_keys=False), encoding="utf-8")

    vocab = yaml.safe_load(paths.PUBLISHED_VOCABULARY.read_text(encoding="utf-8"))
    vocab["topics"]["budget"] = "budgets of the teams (invented topic)"
    (raw / "published" / "vocabulary.yaml").write_text(yaml.safe_dump(vocab, allow_unicode=True, sort_keys=False),
                                                       encoding="utf-8")

    cb = yaml.safe_load(paths.CODEBOOK.read_text(encoding="utf-8"))
    at = next(i for i, v in enumerate(cb["variables"]) if v["name"] == "monitors_teams")
    cb["variables"][at]["waves"] = sorted({*cb["variables"][at].get("waves", []), WAVE})
    cb["variables"].insert(at, NEW_VARIABLE)
    tt = next(v for v in cb["variables"] if v["name"] == "team_type")
    opt = next(o for o in tt["options"] if o["code"] == "doelgroepgericht")
    pub_list = opt["published"] if isinstance(opt["published"], list) else [opt["published"]]
    opt["published"] = [*pub_list, {"variable": "team_type", "category": REWORDED}]
    opt["labels"] = {WAVE: LABEL_2016}
    (raw / "codebook_movisie.yaml").write_text(yaml.safe_dump(cb, allow_unicode=True, sort_keys=False),
                                               encoding="utf-8")
    env = {**os.environ, "WIJKTEAM_ROOT": str(root)}
    return {"root": root, "wave": WAVE, "env": env, "published": raw / "published" / f"movisie_{WAVE}.csv",
            "waves": raw / "waves.yaml", "codebook": raw / "codebook_movisie.yaml",
            "vocabulary": raw / "published" / "vocabulary.yaml"}


def link_earlier_surveys(info: dict) -> None:
    """Give the invented root the shipped exports of 2014, 2015 and 2017 (links), as a project that ran the
    earlier waves has them: the panel row of 2016 links to 2015's respondents."""
    survey = Path(info["root"]) / "data" / "raw" / "survey"
    for w in (2014, 2015, 2017):
        for f in (paths.synthetic_survey_file(w), paths.synthetic_survey_file(w).with_suffix(".meta.json")):
            os.symlink(f, survey / f.name)

