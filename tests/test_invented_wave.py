"""A wave the project has not seen, added from files alone (published CSV + data entries), runs end to end."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest
from invented_wave import link_earlier_surveys


def _wijkteam(args, env, cwd):
    return subprocess.run([sys.executable, "-m", "wijkteam_stats.cli", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_invented_wave_is_read_from_files_alone(invented_wave):
    root, env = invented_wave["root"], invented_wave["env"]
    code = ("from wijkteam_stats.reference import waves, published;"
            "p = published.load_published(wave=2016); s = waves.settings(2016);"
            "print(len(p), sorted(set(p['topic'])), s.register_year, len(waves.invited_register(2016)))")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=root, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[0] == "9 ['budget', 'monitoring', 'prevalence', 'response', 'team_type'] 2016 390"


def test_invented_wave_audit(invented_wave):
    root, env = invented_wave["root"], invented_wave["env"]
    res = _wijkteam(["audit", "--wave", "2016", "--lang", "en"], env, root)
    assert res.returncode == 0, res.stdout + res.stderr
    audit = pd.read_csv(root / "outputs" / "tables" / "consistency_audit_2016.csv", dtype=str)
    assert set(audit.loc[audit["finding_id"].str.startswith("F"), "finding_id"]) == {
        f"F2016-00{i}" for i in range(1, 9)} | {"F2016-101"}
    status = audit.set_index("finding_id")["status"]
    assert status["F2016-101"] == "reference"  # and it agrees with the 2015 file's own row
    assert "agrees with F2015-003 of the 2015 file" in audit.set_index("finding_id").loc["F2016-101", "note"]
    assert status["X-quotes"] == "consistent" and status["X-panel-F2016-008"] == "consistent"
    assert (status != "inconsistent").all(), status[status == "inconsistent"]
    assert "2015" not in res.stdout.replace("F2016-101", "")


def _reconstruct(invented_wave) -> tuple:
    """Reconstruct the invented wave through the CLI (its earlier waves linked); returns (root, env, export)."""
    root, env = invented_wave["root"], invented_wave["env"]
    link_earlier_surveys(invented_wave)
    res = _wijkteam(["reconstruct", "--wave", "2016", "--time-limit", "20"], env, root)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "... wave 2016: linking with the respondents of 2015" in res.stderr  # the progress lines
    assert "time limit 20 s" in res.stderr
    return root, env, root / "outputs" / "reconstruction" / "SYNTHETIC_movisie_2016_reconstructed_export.csv"


def test_invented_wave_reconstruct_scorecard_and_trends(invented_wave):
    """The fast core: reconstruct, the scorecard and the trends of a wave the project has not seen, from its files
    alone: a panel row (half of the respondents also answered 2015), a reference row, a reworded category and a
    verbal row. The notebook and the site run in the slow test below."""
    root, env, export = _reconstruct(invented_wave)
    meta = json.loads(export.with_suffix(".meta.json").read_text(encoding="utf-8"))
    assert meta["synthetic"] is True and meta["generator"]["seed"] == 2016
    assert meta["published_figures_met"]["failed"] == []
    assert meta["parameters"]["panel"]["earlier_wave"] == 2015 and meta["parameters"]["panel"]["finding_id"] == "F2016-008"
    counts = meta["aggregate_counts"]
    assert sum(v for k, v in counts.items() if k.startswith("r@")) == 60
    assert sum(v for k, v in counts.items() if k.startswith("r@") and k.endswith("/panel")) == 30  # 50 % of 60
    code = ("import sys; from wijkteam_stats.clean import clean_survey;"
            "from wijkteam_stats.reference.published import load_published;"
            "from wijkteam_stats.reproduce.scorecard import build_scorecard;"
            "sc = build_scorecard(load_published(wave=2016), clean_survey(sys.argv[1], 2016).table, wave=2016);"
            "sc.to_csv(sys.argv[2], index=False)")
    out = subprocess.run([sys.executable, "-c", code, str(export), str(root / "sc.csv")], env=env, cwd=root,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    sc = pd.read_csv(root / "sc.csv").set_index("finding_id")
    own = sc.drop(index="F2016-101")
    assert (own["status"] == "match").all(), own[["status", "reason"]]  # every own row, the verbal one too
    assert sc.loc["F2016-006", "reproduced_value"] == pytest.approx(40, abs=0.5)  # the new question
    assert sc.loc["F2016-007", "reproduced_value"] < 50  # the verbal row: "iets minder dan de helft"
    assert sc.loc["F2016-008", "reproduced_value"] == pytest.approx(50)  # the panel row, against 2015's file
    assert sc.loc["F2016-005", "reproduced_value"] == pytest.approx(25, abs=0.5)  # the reworded category
    assert sc.loc["F2016-101", "status"] == "not_reproducible"
    # trends link the reworded category to 2015's by its codebook option, and the wording of 2016 is its own
    code = ("from wijkteam_stats.reproduce.trends import all_published, national_trends;"
            "from wijkteam_stats.reference.codebook import load_codebook;"
            "from wijkteam_stats.reference.wave_pages import supported_pages;"
            "t = national_trends(all_published());"
            "tt = t[(t['variable'] == 'team_type') & t['category'].str.startswith('target')];"
            "print(sorted(tt['wave'].tolist()));"
            "print(load_codebook().labels_for_wave(2016)['team_type']['doelgroepgericht']);"
            "print(supported_pages(2016), supported_pages(2015));"
            "from wijkteam_stats.reproduce.trends import published_overlap, overlap_assumption_nl;"
            "o = published_overlap(all_published()); print(o[['wave_from', 'wave_to', 'k_min', 'k_max']].values.tolist());"
            "print(overlap_assumption_nl(o, 2015, 2016))")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=root, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "[2015, 2016, 2017]"
    assert lines[1] == "Doelgroepteam (voor één doelgroep)"
    assert lines[2] == "['reproduction', 'trends'] ['reproduction', 'models', 'reports', 'trends']"
    assert lines[3] == "[[2015, 2016, 30, 30]]"
    assert lines[4].startswith("Volgens de gepubliceerde cijfers deed 50 % van de respondenten van 2016 (30 gemeenten) "
                               "ook mee in 2015. De toets van een verandering over alle respondenten rekent die "
                               "gemeenten mee als gepaard deel")


@pytest.mark.slow
def test_invented_wave_reproduction_notebook_and_site(invented_wave):
    """The slow end: the reproduction notebook and the site of the invented wave. 2016 did not ask the involvement
    grid and has no survey file of its own: no models page (not even a placeholder that names a command that would
    fail) and no invitation to pick a municipality."""
    root, env, export = _reconstruct(invented_wave)
    res = _wijkteam(["reproduce", "--wave", "2016", "--survey", str(export)], env, root)
    assert res.returncode == 0, res.stdout + res.stderr
    sc = pd.read_csv(root / "outputs" / "tables" / "reproduction_scorecard_2016.csv").set_index("finding_id")
    assert (sc.drop(index="F2016-101")["status"] == "match").all()
    assert (root / "outputs" / "html" / "01_reproduce_movisie_2016.html").is_file()
    res = _wijkteam(["site", "--wave", "2016", "--wait", "0"], env, root)
    assert res.returncode == 0, res.stdout + res.stderr
    site = root / "outputs" / "site"
    assert (site / "reproduction_2016.html").is_file()
    assert not (site / "models_2016.html").exists()
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "reproduction_2016.html" in index and "models_2016.html" not in index
    assert "wijkteam models" not in index and "Kies hieronder een gemeente" not in index
    assert 'id="municipalities"' not in index
    assert "Voor de peiling van 2016 zijn er geen rapporten per gemeente" in index
