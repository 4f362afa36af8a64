"""The reproduction notebook (committed without outputs, parameterised) and ``wijkteam reproduce`` end to end."""

from __future__ import annotations

import json
import re

import nbformat
import pandas as pd
import pytest
from PIL import Image
from published_checks import page_problems

from wijkteam_stats.cli import main
from wijkteam_stats.reference import paths, provenance
from wijkteam_stats.reproduce.scorecard import SCORECARD_COLUMNS, read_scorecard, reproduction_inputs

NOTEBOOK = paths.NOTEBOOKS / "01_reproduce_movisie.ipynb"


def test_notebook_is_committed_clean_and_parameterised():
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is None and c.outputs == [] for c in code)
    assert [c.get("id") for c in nb.cells][:3] == ["intro", "parameters", "banner"]
    first = nb.cells[0]
    assert first.cell_type == "markdown" and "SYNTHETISCHE reconstructie" in first.source
    params = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    names = re.findall(r"^(\w+) = ", params[0].source, flags=re.M)
    assert names == ["wave", "survey_path", "published_path", "output_dir"]
    assert "wave = 2015" in params[0].source
    # thin and cwd-free: no relative paths, no file reads of its own, no papermill cwd
    src = "\n".join(c.source for c in code)
    assert "os.chdir" not in src and "read_csv" not in src and "open(" not in src


def test_reproduction_inputs_defaults_and_errors(tmp_path):
    pub = tmp_path / "p.csv"
    pub.write_text("x", encoding="utf-8")
    survey = tmp_path / "export.csv"
    survey.write_text("x", encoding="utf-8")
    inp = reproduction_inputs("2015", survey, pub, tmp_path / "out")
    assert (inp.wave, inp.survey_path, inp.output_dir) == (2015, survey, tmp_path / "out")
    d = reproduction_inputs(2015, survey)
    assert d.published_path == paths.published_file(2015) and d.output_dir == paths.OUTPUTS
    with pytest.raises(FileNotFoundError, match="survey file"):
        reproduction_inputs(2015, tmp_path / "missing.csv")
    assert main(["reproduce", "--wave", "2015", "--survey", str(tmp_path / "missing.csv"),
                 "--output-dir", str(tmp_path)]) == 2


def test_provenance_synthetic_by_record_never_by_name(tmp_path):
    a = tmp_path / "SYNTHETIC_x.csv"
    a.write_text("a", encoding="utf-8")
    b = tmp_path / "export.csv"
    b.write_text("a", encoding="utf-8")
    assert not provenance.is_synthetic(a) and not provenance.is_synthetic(b)  # no record: not labelled either way
    assert provenance.data_fingerprint(a) == provenance.data_fingerprint(b) == "ca978112ca1b"  # sha256("a")
    for f in (a, b):
        banner = provenance.data_banner_nl(f)
        assert "Herkomst onbekend" in banner and "SYNTHETISCHE" not in banner and "echte export" not in banner
    (tmp_path / "export.csv.meta.json").write_text(json.dumps({"synthetic": True}), encoding="utf-8")
    assert provenance.is_synthetic(b)
    assert "SYNTHETISCHE" in provenance.data_banner_nl(b) and "ca978112ca1b" in provenance.data_banner_nl(b)
    (tmp_path / "export.csv.meta.json").write_text(json.dumps(
        {"synthetic": False, "source": "test", "how_made": "test fixture"}), encoding="utf-8")
    assert not provenance.is_synthetic(b) and "echte export" in provenance.data_banner_nl(b)
    (tmp_path / "export.csv.meta.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="export.csv.meta.json"):
        provenance.is_synthetic(b)
    assert provenance.code_version().startswith(provenance.__version__)
    assert "geen echte Movisie-gegevens" in provenance.synthetic_banner_nl()


@pytest.mark.slow
def test_wijkteam_reproduce_runs_the_notebook_on_the_shipped_data(tmp_path, capsys):
    assert paths.synthetic_survey_file(2015).is_file(), "the shipped SYNTHETIC reconstruction is missing"
    rc = main(["reproduce", "--wave", "2015", "--output-dir", str(tmp_path)])
    out = capsys.readouterr()
    assert rc == 0, out.err
    assert "report:" in out.out and "62 match, 0 mismatch, 1 not reproducible" in out.out

    sc = read_scorecard(tmp_path / "tables" / "reproduction_scorecard_2015.csv")
    assert sc.columns.tolist() == SCORECARD_COLUMNS and len(sc) == 63
    assert sc["finding_id"].tolist() == pd.read_csv(paths.published_file(2015))["finding_id"].tolist()
    pct = sc[sc["unit"] == "%"]
    assert pct["reproduced_value"].notna().sum() == len(pct) - 1  # all but the 2014 reference
    assert (pct["ci_low"].dropna() <= pct["reproduced_value"].dropna()).all()

    figs = sorted(p.name for p in (tmp_path / "figures").iterdir())
    stems = {p.rsplit(".", 1)[0] for p in figs}
    assert stems == {"reproductie_betrokkenheid_2015", "reproductie_samenstelling_2015",
                     "reproductie_teams_per_gemeente_2015", "reproductie_doelen_2015", "reproductie_trend_2014_2015"}
    assert len(figs) == 10
    with Image.open(tmp_path / "figures" / "reproductie_betrokkenheid_2015.png") as im:
        assert round(im.info["dpi"][0]) >= 200

    executed = nbformat.read(str(tmp_path / "notebooks" / "01_reproduce_movisie_2015.ipynb"), as_version=4)
    outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    banner_cell = next(c for c in executed.cells if c.get("id") == "banner")
    banner = "".join(o.get("data", {}).get("text/markdown", "") for o in banner_cell.outputs)
    assert "SYNTHETISCHE gegevens" in banner

    html = (tmp_path / "html" / "01_reproduce_movisie_2015.html").read_text(encoding="utf-8")
    assert str(paths.ROOT) not in html and str(tmp_path) not in html  # no absolute paths in published HTML
    assert "build_scorecard" not in html and "import " not in html  # no code cells
    assert html.count("SYNTHETISCHE reconstructie, geen Movisie-data") >= 5  # every figure caption
    assert "Gereproduceerd" in html and "klopt" in html and "Wilson 95 %-interval" in html
    # scorecard and audit tables speak Dutch: the toelichting, not the English reason / reading / note
    assert "referentiecijfer van meting 2014" in html and "203 van 234 gemeenten: 86,8 %" in html
    assert "meerduidig" in html and "passen allebei" in html
    for english in ("reference figure of wave", "rank not shared", "item non-response excluded", "both fit",
                    "G32 = the network", "see X-"):
        assert english not in html, english
    # the published-page rules: one H1 naming the wave and publication, no code token, ISO date, NaN/True/False,
    # English status word or image without a real alt text
    assert page_problems(html) == []
    assert "<h1>Peiling 2015 nagerekend: Sociale (wijk)teams in beeld</h1>" in html
    assert len(html) < 500_000
