"""The static site: ``outputs/site/`` with an index of all municipalities, the national reports and a methods page.

Everything is static and self-contained: inline CSS and a few lines of inline JavaScript for the filter,
relative links only, no external requests, so the folder works when opened from the file system. Reports
are copied (with a small navigation bar added) so the folder can be moved or zipped as a whole.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from wijkteam_stats import __version__
from wijkteam_stats.reference import paths, provenance
from wijkteam_stats.reference.municipalities import SIZE_CLASS_LABELS, normalize_name, register
from wijkteam_stats.reference.provenance import git_state, package_versions
from wijkteam_stats.reference.waves import default_survey_path, register_year
from wijkteam_stats.reference.writers import CorruptFileError, atomic_write_text, read_json
from wijkteam_stats.report.profile import read_numbers

TEMPLATES = Path(__file__).resolve().parent / "templates" / "site"
NOTEBOOK_PAGES = {
    "reproduction.html": ("01_reproduce_movisie_{wave}.html", "Landelijke reproductie van de Movisie-cijfers",
                          "wijkteam reproduce --wave {wave}"),
    "models.html": ("02_involvement_vs_size_{wave}.html", "Betrokkenheid van bewoners en gemeentegrootte",
                    "wijkteam models --wave {wave}"),
}
_NAV_STYLE = ("font:600 14px system-ui,sans-serif;background:#f4f6f8;border-bottom:1px solid #d9d9d9;"
              "padding:.6rem 1rem;margin:0")
_NAV_MARK = "<!-- wijkteam-site-nav -->"


@dataclass
class SiteResult:
    """What :func:`build_site` wrote."""

    site_dir: Path
    index: Path
    reports: int
    municipalities: int
    missing_pages: list[str]


@lru_cache(maxsize=1)
def _env():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "j2"]),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def render(template: str, **context: Any) -> str:
    """Render a site template (autoescaped)."""
    return _env().get_template(template).render(**context)


def with_nav(html: str, prefix: str) -> str:
    """The page with a navigation bar back to the site's index (``prefix``: path to the site root)."""
    if _NAV_MARK in html:
        return html
    nav = (f'{_NAV_MARK}<nav style="{_NAV_STYLE}"><a href="{prefix}index.html">&larr; Alle gemeenten</a>'
           f' &middot; <a href="{prefix}methods.html">Methode en gegevens</a></nav>')
    m = re.search(r"<body[^>]*>", html)
    if m is None:
        return nav + html
    return html[: m.end()] + nav + html[m.end():]


def _write_if_changed(path: Path, text: str) -> bool:
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    atomic_write_text(path, text)
    return True


def _dutch_int(value: Any) -> str:
    try:
        return f"{int(value):,}".replace(",", ".")
    except (TypeError, ValueError):
        return "–"


def caveats_html() -> str:
    """``docs/assumptions_and_caveats.md`` as HTML (escaped Markdown), or a short note when absent."""
    md_path = paths.ROOT / "docs" / "assumptions_and_caveats.md"
    if not md_path.is_file():
        return "<p>Zie <code>docs/assumptions_and_caveats.md</code> in de repository.</p>"
    import mistune

    text = md_path.read_text(encoding="utf-8")
    text = re.sub(r"\A# .*\n", "", text)  # the page has its own heading
    md = mistune.create_markdown(escape=True, plugins=["table"])
    html = re.sub(r"<(/?)h[12]>", r"<\1h3>", str(md(text)))  # below the page's own h2 sections
    return html.replace("<table>", '<table class="wt-md">')


def read_manifest_file(path: Path) -> dict[str, Any]:
    """The manifest written by the report batch (``{}`` when absent); :class:`CorruptFileError` naming the
    file when it is not valid JSON or not an object with object ``reports``. Items may carry
    ``"stale": true`` and ``"stale_reason"`` (a failed rebuild kept the last good report)."""
    if not path.is_file():
        return {}
    manifest = read_json(path, "manifest")
    if not isinstance(manifest, dict) or not isinstance(manifest.get("reports", {}), dict):
        raise CorruptFileError(f"manifest {path} has the wrong shape (expected an object with 'reports'); "
                               "run `wijkteam reports` to repair it")
    return manifest


def _read_report_numbers(path: Path) -> dict[str, Any]:
    """A report's numbers; :class:`CorruptFileError` naming the file when it cannot be read."""
    try:
        numbers = read_numbers(path)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise CorruptFileError(f"report numbers {path} are corrupt ({err}); run `wijkteam reports` to rebuild "
                               "the report") from None
    if not isinstance(numbers, dict):
        raise CorruptFileError(f"report numbers {path} are not a JSON object; run `wijkteam reports`")
    return numbers


def build_date() -> str:
    """The build date: ``SOURCE_DATE_EPOCH`` when set (reproducible builds), else today (UTC)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), tz=UTC) if epoch else datetime.now(UTC)
    return moment.date().isoformat()


def _provenance(outputs_dir: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    git = git_state()
    versions = manifest.get("package_versions") or package_versions()
    keep = ("python", "pandas", "numpy", "matplotlib", "geopandas", "statsmodels", "nbconvert", "papermill")
    return {
        "version": __version__,
        "commit": (git["commit"] or "")[:10] or None,
        "dirty": git["dirty"],
        "date": build_date(),
        "seed": manifest.get("seed", "–"),
        "packages": [(k, versions[k]) for k in keep if k in versions],
    }


def _survey_info(wave: int, manifest: dict[str, Any], numbers: list[dict[str, Any]]) -> tuple[bool, str, str]:
    """(synthetic?, survey file name, sha256 prefix) of the data behind the reports."""
    section = manifest.get("reports", {}).get(str(wave), {})
    if numbers:
        prov = numbers[0]["provenance"]
        return bool(any(n["provenance"]["synthetic"] for n in numbers)), prov["survey_file"], prov["data_version"]
    rel = section.get("survey_path")
    path = (paths.ROOT / rel) if rel else default_survey_path(wave)
    if path.is_file():
        return provenance.is_synthetic(path), path.name, provenance.data_fingerprint(path)
    return True, path.name, ""


def build_site(wave: int = 2015, outputs_dir: str | Path | None = None,
               site_dir: str | Path | None = None) -> SiteResult:
    """Build the static site from what exists in ``outputs_dir`` (reports, notebook HTML, manifest)."""
    outputs_dir = Path(outputs_dir).resolve() if outputs_dir else paths.OUTPUTS
    site = paths.ensure_dir(Path(site_dir).resolve() if site_dir else outputs_dir / "site")
    reports_src = outputs_dir / "reports" / str(wave)
    reports_dst = paths.ensure_dir(site / "reports")
    manifest_file = outputs_dir / "manifest.json"
    manifest = read_manifest_file(manifest_file)
    year = register_year(wave)
    reg = register(year)

    rows, numbers, copied = [], [], set()
    for r in reg.itertuples(index=False):
        src = reports_src / f"{r.gm_code}.html"
        data = reports_src / "data" / f"{r.gm_code}.json"
        n = _read_report_numbers(data) if data.is_file() else None
        if src.is_file():
            _write_if_changed(reports_dst / src.name, with_nav(src.read_text(encoding="utf-8"), "../"))
            copied.add(src.name)
        if n is not None:
            numbers.append(n)
        answers = (n or {}).get("answers") or {}
        has = answers.get("has_teams")
        rows.append({
            "gm_code": r.gm_code, "name": r.name, "province": r.province,
            "size_class": "" if r.size_class is None or str(r.size_class) == "nan" else str(r.size_class),
            "population": _dutch_int(r.population),
            "participated": "–" if n is None else ("ja" if n["participated"] else "nee"),
            "has_teams": "–" if not has else ("ja" if has == "ja" else "nee"),
            "href": f"reports/{src.name}" if src.is_file() else None,
        })
    rows.sort(key=lambda r: (normalize_name(r["name"]), r["gm_code"]))
    for stale in reports_dst.glob("GM*.html"):
        if stale.name not in copied:
            stale.unlink()

    synthetic, survey_file, survey_sha = _survey_info(wave, manifest, numbers)
    prov = _provenance(outputs_dir, manifest)
    common = {"wave": wave, "synthetic": synthetic, "provenance": prov}
    missing = []
    for page, (source, heading, command) in NOTEBOOK_PAGES.items():
        src = outputs_dir / "html" / source.format(wave=wave)
        if src.is_file():
            html = with_nav(src.read_text(encoding="utf-8"), "")
        else:
            missing.append(page)
            html = render("placeholder.html.j2", title=heading, heading=heading, page=page,
                          command=command.format(wave=wave), **common)
        _write_if_changed(site / page, html)

    provinces = sorted({r["province"] for r in rows})
    index = site / "index.html"
    _write_if_changed(index, render("index.html.j2", title=f"Sociale (wijk)teams per gemeente {wave}", page="index",
                                    rows=rows, provinces=provinces, size_classes=SIZE_CLASS_LABELS, **common))
    _write_if_changed(site / "methods.html", render(
        "methods.html.j2", title="Methode en gegevens", page="methods", register_year=year,
        n_municipalities=len(reg), n_reports=len(copied), survey_file=survey_file, survey_sha=survey_sha,
        caveats_html=caveats_html(), **common))
    return SiteResult(site, index, len(copied), len(reg), missing)
