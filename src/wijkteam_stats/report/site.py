"""The static site: ``outputs/site/`` with an index of all municipalities per wave, the national pages of every
wave, the trends page and a methods page.

In: what exists in the outputs folder (``reports/<wave>/GMxxxx.html`` and their numbers, ``html/01_…_<wave>.html``,
``html/02_…_<wave>.html``, ``html/04_trends_across_waves.html``, ``manifest.json``). Out: a handful of pages and
one stylesheet (``wijkteam.css``). The municipality reports are not copied: the index links to them where they
are (``../reports/<wave>/``), so the outputs folder holds one copy of each and works as a whole when opened from
the file system, moved or zipped. Pages are rendered from ``templates/site/`` through the shared environment of
:mod:`.render` (autoescaping); no external requests, one small inline script for the search.

Trust: on synthetic data the index shows no survey answer of any municipality (no "deelgenomen", no "teams").
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import mistune

from wijkteam_stats import __version__
from wijkteam_stats.reference import freshness, paths, provenance
from wijkteam_stats.reference.municipalities import (
    SIZE_CLASS_LABELS,
    normalize_name,
    register,
    search_name_sources,
)
from wijkteam_stats.reference.provenance import git_state, package_versions
from wijkteam_stats.reference.wave_pages import supported_pages, wave_facts
from wijkteam_stats.reference.waves import default_survey_path, known_waves, register_year
from wijkteam_stats.reference.writers import CorruptFileError, atomic_write_text, read_json
from wijkteam_stats.report.citing import methods_context
from wijkteam_stats.report.numbers import read_numbers
from wijkteam_stats.report.render import nl_int, render, stylesheet
from wijkteam_stats.report.zelfscan_page import build_zelfscan_page

#: National pages per wave: (site page, source under outputs/html, Dutch title, command that makes it).
WAVE_PAGES = (
    ("reproduction_{wave}.html", "01_reproduce_movisie_{wave}.html", "Landelijke reproductie {wave}",
     "wijkteam reproduce --wave {wave}"),
    ("models_{wave}.html", "02_involvement_vs_size_{wave}.html", "Betrokkenheid en gemeentegrootte {wave}",
     "wijkteam models --wave {wave}"),
)
#: The page across waves.
TRENDS_PAGE = ("trends.html", "04_trends_across_waves.html", "Trends over de peilingen")
_NAV_MARK = "<!-- wijkteam-site-nav -->"
_WAVE_FILE = re.compile(r"^0[12]_.*_(\d{4})\.html$")


@dataclass
class SiteResult:
    """What :func:`build_site` wrote."""

    site_dir: Path
    index: Path
    reports: int
    municipalities: int
    missing_pages: list[str]


def with_nav(html: str, prefix: str) -> str:
    """The page with a navigation bar back to the site's index (``prefix``: path to the site root)."""
    if _NAV_MARK in html:
        return html
    nav = (f'{_NAV_MARK}<nav class="wt-nav" aria-label="Site"><a href="{prefix}index.html">&larr; Alle gemeenten'
           f'</a> &middot; <a href="{prefix}methods.html">Methode en gegevens</a></nav>')
    m = re.search(r"<body[^>]*>(\s*<main>)?", html)
    if m is None:
        return nav + html
    return html[: m.end()] + nav + html[m.end():]


def _write_if_changed(path: Path, text: str) -> bool:
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    atomic_write_text(path, text)
    return True


def _markdown_tables_joined(text: str) -> str:
    """Markdown with blank lines inside a table removed (a blank line would end the table half-way)."""
    return re.sub(r"(?m)^(\|.*\|)[ \t]*\n(?:[ \t]*\n)+(?=\|)", r"\1\n", text)


def caveats_html() -> str:
    """``docs/assumptions_and_caveats.md`` (English) as escaped HTML, or a short Dutch note when absent."""
    md_path = paths.ROOT / "docs" / "assumptions_and_caveats.md"
    if not md_path.is_file():
        return "<p>Het logboek staat in de repository (docs/assumptions_and_caveats.md).</p>"
    text = md_path.read_text(encoding="utf-8")
    text = re.sub(r"\A# .*\n", "", text)  # the page has its own heading
    md = mistune.create_markdown(escape=True, plugins=["table"])
    html = re.sub(r"<(/?)h[12]>", r"<\1h4>", str(md(_markdown_tables_joined(text))))
    return html.replace("<table>", '<div class="wt-scroll" tabindex="0"><table class="wt-md">').replace("</table>", "</table></div>")


#: Sections of the caveats log by the letter of its entries' ids, in Dutch.
CAVEAT_SECTIONS_NL = {"D": "de gegevens", "S": "de statistiek", "R": "de synthetische reconstructie"}


def caveats_summary() -> list[dict[str, Any]]:
    """Per section of ``docs/assumptions_and_caveats.md`` (by id letter: D, S, R), its Dutch name, number of
    entries and first and last id, in the log's order; empty when the log is absent."""
    md_path = paths.ROOT / "docs" / "assumptions_and_caveats.md"
    if not md_path.is_file():
        return []
    ids = re.findall(r"(?m)^\|\s*([A-Z])(\d+)\s*\|", md_path.read_text(encoding="utf-8"))
    out: dict[str, dict[str, Any]] = {}
    for letter, number in ids:
        item = out.setdefault(letter, {"name": CAVEAT_SECTIONS_NL.get(letter, f"onderdeel {letter}"), "n": 0,
                                       "ids": []})
        item["n"] += 1
        item["ids"].append(f"{letter}{number}")
    return list(out.values())


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


def _provenance(manifest: dict[str, Any]) -> dict[str, Any]:
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


def waves_present(outputs_dir: Path, wave: int) -> list[int]:
    """The waves the site shows: ``wave`` and every wave with reports or national pages in ``outputs_dir``."""
    found = {int(wave)}
    reports = outputs_dir / "reports"
    if reports.is_dir():
        found |= {int(p.name) for p in reports.iterdir() if p.is_dir() and re.fullmatch(r"\d{4}", p.name)}
    html = outputs_dir / "html"
    if html.is_dir():
        found |= {int(m.group(1)) for p in html.iterdir() if (m := _WAVE_FILE.match(p.name))}
    return sorted(found)


def _has_register(wave: int) -> bool:
    try:
        register_year(wave)
    except KeyError:
        return False  # a wave the codebook does not know: no register to list its municipalities
    return True


def _supported(wave: int) -> set[str]:
    """The pages ``wave`` supports (:func:`~wijkteam_stats.reference.wave_pages.supported_pages`); none for a
    wave the codebook does not know."""
    try:
        return set(supported_pages(int(wave)))
    except (KeyError, ValueError):
        return set()


def _wave_facts(waves: list[int]) -> list[dict[str, Any]]:
    """:func:`~wijkteam_stats.reference.wave_pages.wave_facts` of the site's waves that have settings."""
    known = [w for w in waves if w in set(known_waves())]
    return wave_facts(known) if known else []


def index_name(wave: int, main_wave: int) -> str:
    """The index page of ``wave``: ``index.html`` for the site's main wave, else ``index_<wave>.html``."""
    return "index.html" if int(wave) == int(main_wave) else f"index_{int(wave)}.html"


def _stale_items(manifest: dict[str, Any], wave: int) -> dict[str, str]:
    items = manifest.get("reports", {}).get(str(wave), {}).get("items", {}) or {}
    return {code: str(it.get("stale_reason") or "") for code, it in items.items()
            if isinstance(it, dict) and it.get("stale")}


#: Dutch reasons of the site's own checks.
UNREADABLE_NUMBERS_NL = "de cijfers van dit rapport zijn onleesbaar"
NO_RECORD_NL = "niet bekend waaruit dit rapport is gebouwd"
FILES_DIFFER_NL = "het rapport is gewijzigd na de bouw of onvolledig"
FAILED_NL = "de laatste herbouw is mislukt of niet gedaan; dit is de laatste goede versie"


def _recorded_files_differ(item: Any, outputs_dir: Path) -> bool:
    """Whether a manifest item is unusable or its HTML/JSON on disk differ from the recorded hashes."""
    if not isinstance(item, dict) or not all(isinstance(item.get(k), str) for k in
                                             ("html", "data", "html_sha256", "data_sha256")):
        return True
    return freshness.verify_files({item["html"]: item["html_sha256"], item["data"]: item["data_sha256"]},
                                  outputs_dir) is not None


def _own_stale(manifest: dict[str, Any], wave: int, reports_dir: Path) -> dict[str, str]:
    """What the site can tell without the batch layer: records marked stale, reports without a record, and
    reports whose files differ from their record (edited after the build)."""
    items = manifest.get("reports", {}).get(str(wave), {}).get("items", {}) or {}
    out = {code: FAILED_NL for code in _stale_items(manifest, wave)}  # the manifest's reasons are English
    outputs_dir = reports_dir.parent.parent
    for html in sorted(reports_dir.glob("GM*.html")):
        item = items.get(html.stem)
        if item is None:
            out[html.stem] = NO_RECORD_NL
        elif _recorded_files_differ(item, outputs_dir):
            out[html.stem] = FILES_DIFFER_NL
    return out


def _search_fields(name: str, pairs: list[tuple[str, str]]) -> dict[str, str]:
    """``search``: the folded names, "|"-separated; ``why``: "|" before each reason, in the same order."""
    merged = dict(pairs)
    merged.setdefault(normalize_name(name), "")
    keys = sorted(merged)
    return {"search": "|".join(keys), "why": "".join("|" + merged[k] for k in keys)}  # never empty (a lone "" prints as –)


def search_reason(name: str, key: str, sources: list[tuple[str, str]]) -> str:
    """Why the folded ``key`` finds the municipality ``name``, in Dutch ("" for its own name)."""
    own = normalize_name(name)
    if key in (own, re.sub(r" (nh|l|o|zh|z|gld|u|gr|dr|fr|nb|lb|fl)$", "", own)):
        return ""
    earlier = sorted({n for rel, n in sources if rel == "earlier"})
    later = sorted({n for rel, n in sources if rel == "later"})
    if earlier:
        return "omvat het vroegere " + " en ".join(earlier)
    if later:
        return "later opgegaan in of hernoemd tot " + " en ".join(later)
    other = sorted({n for rel, n in sources if rel == "same" and normalize_name(n) == key and n != name})
    return ("ook: " + " en ".join(other)) if other else "ook bekend als " + key.title()


def search_keys(year: int) -> dict[str, list[tuple[str, str]]]:
    """Per municipality of 1 January ``year``: (folded name, Dutch reason) pairs for the index's search box."""
    names = register(year).set_index("gm_code")["name"]
    return {code: [(k, search_reason(str(names[code]), k, src)) for k, src in keys.items()]
            for code, keys in search_name_sources(year).items()}


def _index_rows(wave: int, reports_dir: Path, link_prefix: str, manifest: dict[str, Any],
                status: dict[str, str] | None = None):
    """Rows of a wave's index, the numbers files read and the number of reports linked. ``status``: {code:
    Dutch reason} of the reports that are not current (from the publisher's check); the site's own checks
    (record missing, files edited, numbers unreadable) apply in any case."""
    reg = register(register_year(wave))
    keys = search_keys(register_year(wave))
    stale = {**_own_stale(manifest, wave, reports_dir), **(status or {})}
    rows, numbers, linked = [], [], 0
    for r in reg.itertuples(index=False):
        src = reports_dir / f"{r.gm_code}.html"
        data = reports_dir / "data" / f"{r.gm_code}.json"
        try:
            n = _read_report_numbers(data) if data.is_file() else None
        except (CorruptFileError, OSError):  # one unreadable report is marked, not the whole site failed
            n = None
            stale[r.gm_code] = UNREADABLE_NUMBERS_NL
        if n is not None:
            numbers.append(n)
        linked += src.is_file()
        answers = ((n or {}).get("answers") or {}) if n is not None and not n.get("synthetic", True) else {}
        participated = None if n is None or "participated" not in n else bool(n["participated"])
        has = answers.get("has_teams")
        own = (n or {}).get("provenance") or {}
        # self-reported answers (zelfscans) say whose they are: never presented as Movisie's answers
        answered_by = own.get("line") if answers and own.get("kind") == "self-reported" else None
        rows.append({
            "gm_code": r.gm_code, "name": r.name, "province": r.province,
            "size_class": "" if r.size_class is None or str(r.size_class) == "nan" else str(r.size_class),
            "population": nl_int(r.population),
            "participated": "–" if participated is None else ("ja" if participated else "nee"),
            "has_teams": "–" if not has else ("ja" if has == "ja" else "nee"),
            "href": f"{link_prefix}{src.name}" if src.is_file() else None,
            "stale": r.gm_code in stale and src.is_file(),
            "stale_reason": stale.get(r.gm_code, ""),
            "answered_by": answered_by,
            **_search_fields(r.name, keys.get(r.gm_code, [])),
        })
    rows.sort(key=lambda x: (normalize_name(x["name"]), x["gm_code"]))
    return rows, numbers, linked


def build_site(wave: int = 2015, outputs_dir: str | Path | None = None,
               site_dir: str | Path | None = None, status: dict[int, dict[str, str]] | None = None) -> SiteResult:
    """Build the static site from what exists in ``outputs_dir`` (reports, notebook HTML, manifest).

    ``wave`` is the main wave (``index.html``); every other wave with reports gets ``index_<wave>.html``,
    every wave with national pages gets them, and the trends page is linked when it exists. ``status``:
    {wave: {code: Dutch reason}} of reports that are not current (``wijkteam site`` checks their inputs);
    those, and reports without a record or edited after the build, are shown "verouderd" with the reason.
    """
    outputs_dir = Path(outputs_dir).resolve() if outputs_dir else paths.OUTPUTS
    site = paths.ensure_dir(Path(site_dir).resolve() if site_dir else outputs_dir / "site")
    manifest_file = outputs_dir / "manifest.json"
    manifest = read_manifest_file(manifest_file)
    waves = waves_present(outputs_dir, wave)
    old_copies = site / "reports"  # earlier versions copied every report into the site
    if old_copies.is_dir():
        shutil.rmtree(old_copies)
    _write_if_changed(site / "wijkteam.css", stylesheet())
    build_zelfscan_page(site)  # zelfscan.html: the form of the zelfscan (its own module)

    # national pages: every wave's reproduction and model page that exists; placeholders for the main wave
    missing: list[str] = []
    national: list[dict[str, Any]] = []
    support = {w: _supported(w) for w in waves}
    for w in waves:
        for page, source, heading, command in WAVE_PAGES:
            kind = page.split("_", 1)[0]
            page, src = page.format(wave=w), outputs_dir / "html" / source.format(wave=w)
            if kind not in support[w]:  # the wave did not ask what the page needs: no page, no invitation
                (site / page).unlink(missing_ok=True)
                continue
            if src.is_file():
                _write_if_changed(site / page, with_nav(src.read_text(encoding="utf-8"), ""))
            elif w == int(wave):
                missing.append(page)
            else:
                (site / page).unlink(missing_ok=True)
                continue
            national.append({"page": page, "title": heading.format(wave=w), "wave": w, "built": src.is_file(),
                             "command": command.format(wave=w)})
    trends_src = outputs_dir / "html" / TRENDS_PAGE[1]
    if trends_src.is_file():
        _write_if_changed(site / TRENDS_PAGE[0], with_nav(trends_src.read_text(encoding="utf-8"), ""))
        national.append({"page": TRENDS_PAGE[0], "title": TRENDS_PAGE[2], "wave": None, "built": True, "command": ""})
    else:
        (site / TRENDS_PAGE[0]).unlink(missing_ok=True)

    indexes = [{"wave": w, "page": index_name(w, wave)} for w in waves
               if w == int(wave) or ("reports" in support[w] and (outputs_dir / "reports" / str(w)).is_dir()
                                     and _has_register(w))]
    prov = _provenance(manifest)
    main_numbers: list[dict[str, Any]] = []
    main_linked = 0
    n_main = 0
    for entry in indexes:
        w = entry["wave"]
        reports_dir = outputs_dir / "reports" / str(w)
        prefix = Path(os.path.relpath(reports_dir, site)).as_posix() + "/"
        rows, numbers, linked = _index_rows(w, reports_dir, prefix, manifest, (status or {}).get(w))
        synthetic, _, _ = _survey_info(w, manifest, numbers)
        if w == int(wave):
            main_numbers, main_linked, n_main = numbers, linked, len(rows)
        common = {"wave": w, "synthetic": synthetic, "provenance": prov, "national": national, "indexes": indexes}
        _write_if_changed(site / entry["page"], render(
            "site/index.html.j2", title=f"Sociale (wijk)teams per gemeente {w}", page=entry["page"], rows=rows,
            provinces=sorted({r["province"] for r in rows}), size_classes=SIZE_CLASS_LABELS,
            reports=("reports" in support.get(w, _supported(w))) or any(r.get("href") for r in rows),
            n_stale=sum(r["stale"] for r in rows), **common))
    for old in site.glob("index_*.html"):
        if old.name not in {e["page"] for e in indexes}:
            old.unlink()

    synthetic, survey_file, survey_sha = _survey_info(wave, manifest, main_numbers)
    common = {"wave": wave, "synthetic": synthetic, "provenance": prov, "national": national, "indexes": indexes}
    for item in national:
        if not item["built"]:
            _write_if_changed(site / item["page"], render(
                "site/placeholder.html.j2", title=item["title"], heading=item["title"], page=item["page"],
                command=item["command"], **common))
    _write_if_changed(site / "methods.html", render(
        "site/methods.html.j2", title="Methode en gegevens", page="methods.html",
        register_year=register_year(wave), n_municipalities=n_main, n_reports=main_linked, survey_file=survey_file,
        survey_sha=survey_sha, caveats=caveats_summary(), wave_facts=_wave_facts(waves), **methods_context(site, outputs_dir, waves, synthetic),
        **common))
    return SiteResult(site, site / "index.html", main_linked, n_main, missing)
