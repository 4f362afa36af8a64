"""A wave the project has not seen, added from files alone (published CSV + data entries), runs end to end."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest


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
    assert out.stdout.split("\n")[0] == "8 ['budget', 'monitoring', 'prevalence', 'response', 'team_type'] 2016 390"


def test_invented_wave_audit(invented_wave):
    root, env = invented_wave["root"], invented_wave["env"]
    res = _wijkteam(["audit", "--wave", "2016", "--lang", "en"], env, root)
    assert res.returncode == 0, res.stdout + res.stderr
    audit = pd.read_csv(root / "outputs" / "tables" / "consistency_audit_2016.csv", dtype=str)
    assert set(audit.loc[audit["finding_id"].str.startswith("F"), "finding_id"]) == {
        f"F2016-00{i}" for i in range(1, 8)} | {"F2016-101"}
    assert audit.loc[audit["finding_id"] == "F2016-101", "status"].item() == "reference"
    assert "2015" not in res.stdout.replace("F2016-101", "")


def test_invented_wave_reconstruct_and_reproduce(invented_wave):
    """Audit, reconstruct and reproduce a wave the project has not seen, from its files alone."""
    root, env = invented_wave["root"], invented_wave["env"]
    res = _wijkteam(["reconstruct", "--wave", "2016"], env, root)
    assert res.returncode == 0, res.stdout + res.stderr
    export = root / "outputs" / "reconstruction" / "SYNTHETIC_movisie_2016_reconstructed_export.csv"
    meta = json.loads(export.with_suffix(".meta.json").read_text(encoding="utf-8"))
    assert meta["synthetic"] is True and meta["generator"]["seed"] == 2016
    assert meta["published_figures_met"]["failed"] == []
    assert meta["aggregate_counts"]["r@g32"] + meta["aggregate_counts"]["r@g4"] + meta["aggregate_counts"]["r@other"] == 60
    res = _wijkteam(["reproduce", "--wave", "2016", "--survey", str(export)], env, root)
    assert res.returncode == 0, res.stdout + res.stderr
    sc = pd.read_csv(root / "outputs" / "tables" / "reproduction_scorecard_2016.csv").set_index("finding_id")
    numeric = sc[sc["statistic"] != "verbal"].drop(index="F2016-101")
    assert (numeric["status"] == "match").all(), numeric[["status", "reason"]]
    assert sc.loc["F2016-006", "reproduced_value"] == pytest.approx(40, abs=0.5)  # the new question
    assert sc.loc["F2016-007", "status"] == "match" and sc.loc["F2016-007", "reproduced_value"] < 50
    assert sc.loc["F2016-101", "status"] == "not_reproducible"
    assert (root / "outputs" / "html" / "01_reproduce_movisie_2016.html").is_file()
