"""The shipped SYNTHETIC raw export: a reconstruction written the way a survey tool exports it, plus metadata.

The export goes through :func:`wijkteam_stats.reconstruct.export_writer.write_export` (the inverse of the cleaning step),
with the municipality typed the way respondents type it (mostly the CBS name, some "Gemeente X", common
short forms such as "Den Haag", a few CBS codes), clearly fake contact columns ("Respondent 001",
"respondent001@example.invalid") and rows in order of submission. Every spelling is checked to resolve
to its municipality for the wave's register year. A JSON sidecar records generator version, seed, every
parameter, the assumptions in words, the chosen aggregate counts and the CSV's sha256.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from wijkteam_stats.reconstruct.export_writer import write_export
from wijkteam_stats.reconstruct.feasibility import ReconstructionError
from wijkteam_stats.reconstruct.generator import Reconstruction, reconstruct, stream
from wijkteam_stats.reconstruct.generic import (
    GENERIC_VERSION,
    TEAMS_DISPERSION,
    TEAMS_POPULATION_EXPONENT,
    TIME_LIMIT,
    GenericReconstruction,
    reconstruct_generic,
)
from wijkteam_stats.reconstruct.params import (
    DEFAULT_SEED,
    GENERATOR_VERSION,
    PARAM_DOCS,
    ReconstructionParams,
)
from wijkteam_stats.reconstruct.verify import verify_tidy
from wijkteam_stats.reference import paths
from wijkteam_stats.reference.codebook import load_codebook
from wijkteam_stats.reference.municipalities import ALIASES, normalize_name, register, resolve
from wijkteam_stats.reference.published import load_published
from wijkteam_stats.reference.waves import settings as wave_settings
from wijkteam_stats.reproduce.scorecard import build_scorecard

EXPORT_DELIMITER = ";"
EXPORT_ENCODING = "utf-8-sig"
LICENCE = ("CC BY 4.0. Derived only from figures Movisie published (Van Arum & Schoorl 2016, as quoted in "
           "public sources) and CBS municipality data; it contains no Movisie microdata.")
WARNING = ("SYNTHETIC: a seeded reconstruction that meets every published figure of the wave within its "
           "tolerance. It is NOT Movisie's survey data; every municipality-level answer is invented.")

#: The assumptions of the generator, in words (written into the metadata and the notebook).
ASSUMPTIONS = (
    "Respondents are drawn from the municipalities of the wave's reference date (1 January 2015: 393). The "
    "number of responding G32 municipalities (reading 'network': the 37 network members, G4 not included) "
    "is chosen by the MILP; within G32 and within the rest, response depends on size only through "
    "response_size_effect (default 0: equal chances). Rotterdam always responds, with 42 teams.",
    "Exactly one responding G32 municipality has no teams (all integer solutions of 96 % / 86 % / 87 % need "
    "this); it answers 'nee, gepland' or 'anders', never the explicit 'no'.",
    "The explicit 'no' (nadrukkelijk niet) is given by small municipalities (< 20 000 inhabitants) except "
    "explicit_no_not_small of them (default 1, from 20 000-50 000), so >= 90 % are small.",
    "Teams: Rotterdam 42 is the unique maximum; the G32 total meets the mean of 8 over all responding G32 "
    "municipalities and over those with teams; the other teams are spread proportional to "
    "population^teams_population_exponent times a log-normal factor (sd teams_dispersion), at least 1 and "
    "at most 41 per municipality, by largest remainder; 603 in total.",
    "'Gemiddeld drie' is met on both bases (603/234 and 603/with-teams both round to 3).",
    "Percentages of the teams' composition ('84 % van de wijkteams') are read as shares of municipalities "
    "with teams.",
    "Questions about the teams are answered by every municipality with teams, except that "
    "partial_respondents of them stopped before the support and involvement questions; item non-response "
    "in the involvement grid gives the published bases (189/189/184/176/179/191).",
    "Involvement is multi-select; 'geen betrokkenheid' excludes the other forms; every involved group has "
    "at least one form. Which municipalities are involved depends on population only through "
    "involvement_size_effect (default 0), via conditional Poisson sampling that keeps the counts exact.",
    "Goals: two goals tie for first, preventie is third, zelfredzaamheid shares fourth place with "
    "'laagdrempelige toegang' (an assumption: the partner is not published); target shares of goals, "
    "unpublished disciplines and team types are parameters.",
    "'Veruit de meeste' broad integral teams is read as rank 1 and more than half of the municipalities "
    "with teams; 'twee derde' of them handle both single and multiple problems (67 +/- 2.5 %).",
    "Support need ('ongeveer 40 procent van de gemeenten') is a share of all responding municipalities that "
    "answered the question.",
    "Answers are otherwise independent of each other and of size; dates are random working-day times in "
    "the fieldwork period; free-text fields hold generic phrases.",
)


# --------------------------------------------------------------------------- typed municipality names


def _aliases_by_name() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for alias, official in ALIASES.items():
        out.setdefault(official, []).append(alias)
    return out


_PRETTY_ALIAS = {"den haag": "Den Haag", "den bosch": "Den Bosch", "the hague": "The Hague",
                 "sittard": "Sittard", "nuenen": "Nuenen"}


def display_names(codes: list[str], register: pd.DataFrame, year: int, rng: np.random.Generator) -> list[str]:
    """How respondents type their municipality: mostly the CBS name, some variants; each resolves uniquely."""
    names = register.set_index("gm_code")["name"]
    aliases = _aliases_by_name()
    out = []
    for code in codes:
        name = str(names[code])
        u = rng.random()
        cands: list[str] = []
        nice = [_PRETTY_ALIAS[a] for a in aliases.get(name, []) if a in _PRETTY_ALIAS]
        if nice and u < 0.6:
            cands.append(nice[0])
        elif u < 0.80:
            cands.append(name)
        elif u < 0.89:
            cands.append(f"Gemeente {name}")
        elif u < 0.95:
            cands.append(name.lower())
        elif u < 0.98:
            cands.append(code)
        else:
            cands.append(code[2:])
        cands += [name, f"{name} ({code})", code]
        for text in cands:
            try:
                if resolve(text, year=year) == code:
                    out.append(text)
                    break
            except LookupError:
                continue
        else:
            raise ValueError(f"no spelling of {code} ({name}) resolves to it for {year}; "
                             f"check municipalities.resolve ({normalize_name(name)!r})")
    return out


def personal_frame(n: int) -> pd.DataFrame:
    """Clearly fake contact columns (no real personal data)."""
    return pd.DataFrame({
        "respondent_naam": [f"Respondent {i:03d}" for i in range(1, n + 1)],
        "respondent_email": [f"respondent{i:03d}@example.invalid" for i in range(1, n + 1)],
    })


# --------------------------------------------------------------------------- the export


def export_frame(rec: Reconstruction) -> tuple[pd.DataFrame, list[str]]:
    """The tidy rows in submission order and the typed municipality names for them."""
    order = rec.tidy.sort_values(["ingevuld_op", "gm_code"], kind="stable").reset_index(drop=True)
    year = load_codebook().register_year(rec.wave)
    names = display_names(order["gm_code"].tolist(), rec.respondents, year, stream(rec.seed, "names"))
    return order, names


def export_bytes(rec: Reconstruction) -> bytes:
    """The raw export (CSV bytes) of a reconstruction, via :func:`wijkteam_stats.reconstruct.export_writer.write_export`."""
    order, names = export_frame(rec)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.csv"
        write_export(order, path, delimiter=EXPORT_DELIMITER, encoding=EXPORT_ENCODING,
                     personal=personal_frame(len(order)), municipality_as="name", municipality=names)
        return path.read_bytes()


def _sidecar_head(rec, csv_bytes: bytes, file_name: str) -> dict:
    """The first fields of every SYNTHETIC export's sidecar: title, the synthetic flag, warning, the file."""
    return {
        "title": f"SYNTHETIC reconstruction of the Movisie survey of sociale (wijk)teams, wave {rec.wave}",
        "synthetic": True,
        "warning": WARNING,
        "file": {"name": file_name, "sha256": hashlib.sha256(csv_bytes).hexdigest(), "rows": len(rec.tidy),
                 "delimiter": EXPORT_DELIMITER, "encoding": EXPORT_ENCODING, "decimal": ",",
                 "written_by": "wijkteam_stats.reconstruct.export_writer.write_export"},
    }


def metadata(rec: Reconstruction, csv_bytes: bytes, file_name: str, checks: pd.DataFrame) -> dict:
    """The JSON sidecar of a shipped export (deterministic: no timestamps)."""
    import numpy
    import scipy

    counts = {k: v for k, v in rec.aggregates.counts.items() if not k.startswith("_")}
    return {
        **_sidecar_head(rec, csv_bytes, file_name),
        "generator": {"module": "wijkteam_stats.reconstruct", "version": GENERATOR_VERSION, "seed": rec.seed,
                      "wave": rec.wave, "method": "scipy.optimize.milp (HiGHS) for the aggregate counts; "
                      "seeded constructive assignment (conditional Poisson sampling, largest remainder, "
                      "Gale-Ryser style multi-select fill)",
                      "libraries": {"numpy": numpy.__version__, "scipy": scipy.__version__,
                                    "pandas": pd.__version__},
                      "regenerate": f"wijkteam reconstruct --wave {rec.wave} --seed {rec.seed} --update-shipped"},
        "parameters": rec.params.to_dict(),
        "parameter_docs": PARAM_DOCS,
        "assumptions": list(ASSUMPTIONS),
        "aggregate_counts": counts,
        "milp_objective": round(rec.aggregates.objective, 6),
        "involvement_bases": rec.aggregates.involvement_bases,
        "partial_respondents": rec.notes.get("partial", []),
        "published_figures_met": {"checked": int(len(checks)), "met": int(checks["ok"].sum()),
                                  "failed": checks.loc[~checks["ok"], "finding_id"].tolist()},
        "licence": LICENCE,
    }


#: The assumptions of the generic generator, in words (written into the metadata).
GENERIC_ASSUMPTIONS = (
    "Respondents are drawn uniformly within cells of the wave's register: the G32 network members on the "
    "reading's membership date, the G4 and the others (split at 20 000 inhabitants, or by who answered the earlier "
    "wave of a panel row, only when a figure needs it); how many per cell is chosen by the MILP so that every "
    "published figure holds under the reading the consistency audit chose.",
    "A question's answers are drawn among all respondents of its universe unless a figure breaks it down by "
    "G32/G4, names a municipality or speaks of size: no other group or size effect is built in.",
    "Each question is asked of the universe of its published figures (respondents, municipalities with teams, "
    "...); everyone in it answers unless a published base says fewer did (then the answering ones are drawn "
    "at random within the universe).",
    "Counts of unpublished options get an even soft target (multi-select: 30 %); published figures dominate "
    "(each holds within its rounding; where in that interval is left to the solver).",
    "A municipality a figure names ('Rotterdam is met 42 teams koploper') is a cell of its own: it responds with "
    "the published value, and every other municipality stays below it when the figure says it leads.",
    "A count question's total per cell (e.g. teams) comes from the MILP; cells that no published figure of the "
    "question tells apart (e.g. the G4 cities outside the named one and the other municipalities of the same "
    "breakdown) pool their totals, which are spread over their municipalities in proportion to population^"
    "teams_population_exponent times a log-normal factor (sd teams_dispersion), within the caps: the solver's "
    "split between such cells is arbitrary, not a finding.",
    "When a figure speaks of size ('vrijwel uitsluitend kleine gemeenten'), the groups are split at 20 000 "
    "inhabitants and at least 90 % of the municipalities with that answer are small.",
    "Each resident group of a grid question (involvement) is a multi-select question of its own over its "
    "published base; the exclusive form ('geen betrokkenheid') ticks nothing else.",
    "Ranks: the published first option is strictly above every sibling; 'the most time on A, B, C' (top_options): "
    "the named options strictly above every other; 'iets minder dan de helft' (share_below 50): below 50 %.",
    "Answers are otherwise independent of each other and of size; dates are random working-day times in the "
    "fieldwork period of the wave settings.",
)


def generic_export_bytes(rec: GenericReconstruction, register_: pd.DataFrame) -> bytes:
    """The raw export (CSV bytes) of a generic reconstruction, written like the 2015 export."""
    order = rec.tidy.sort_values(["ingevuld_op", "gm_code"], kind="stable").reset_index(drop=True)
    year = wave_settings(rec.wave).register_year
    names = display_names(order["gm_code"].tolist(), register_, year, np.random.default_rng([rec.seed, 7]))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.csv"
        write_export(order, path, delimiter=EXPORT_DELIMITER, encoding=EXPORT_ENCODING,
                     personal=personal_frame(len(order)), municipality_as="name", municipality=names)
        return path.read_bytes()


def generic_metadata(rec: GenericReconstruction, csv_bytes: bytes, file_name: str, sc: pd.DataFrame) -> dict:
    """The JSON sidecar of a generic SYNTHETIC export (deterministic: no timestamps)."""
    import numpy
    import scipy

    target = sc[sc["wave"] == rec.wave]
    s = wave_settings(rec.wave)
    return {
        **_sidecar_head(rec, csv_bytes, file_name),
        "generator": {"module": "wijkteam_stats.reconstruct.generic", "version": GENERIC_VERSION, "seed": rec.seed,
                      "wave": rec.wave, "method": "scipy.optimize.milp (HiGHS) for the counts per group; seeded "
                      "uniform assignment within groups and universes, multi-select fill",
                      "libraries": {"numpy": numpy.__version__, "scipy": scipy.__version__,
                                    "pandas": pd.__version__},
                      "regenerate": f"wijkteam reconstruct --wave {rec.wave} --seed {rec.seed} --update-shipped"},
        "parameters": {"reading": {"membership_date": rec.reading.reading.membership_date.isoformat(),
                                   "g4": rec.reading.reading.g4, "g32_members": rec.reading.sizes["g32"],
                                   "why": rec.reading_reason},
                       "fieldwork": [s.fieldwork_start.isoformat(), s.fieldwork_end.isoformat()],
                       "universes": rec.notes.get("universes", {}),
                       "cells": rec.notes.get("cells", {}), "count_caps": rec.notes.get("caps", {}),
                       # answers without a published G32/size breakdown are drawn uniformly among all respondents
                       # of their universe: no size effect is built in (the models' text reads this parameter)
                       "involvement_size_effect": 0.0,
                       # a count total (teams) spread over the municipalities its figures do not tell apart
                       "teams_population_exponent": TEAMS_POPULATION_EXPONENT,
                       "teams_dispersion": TEAMS_DISPERSION,
                       **({"panel": rec.notes["panel"]} if "panel" in rec.notes else {})},
        "assumptions": list(GENERIC_ASSUMPTIONS),
        "aggregate_counts": rec.counts,
        "milp_objective": round(rec.objective, 6),
        "rows_not_expressible": rec.skipped_rows,
        "published_figures_met": {"checked": int(len(target)), "met": int((target["status"] == "match").sum()),
                                  "not_reproducible": target.loc[target["status"] == "not_reproducible",
                                                                 "finding_id"].tolist(),
                                  "failed": target.loc[target["status"] == "mismatch", "finding_id"].tolist()},
        "licence": LICENCE.replace("(Van Arum & Schoorl 2016, as quoted in public sources)",
                                   "(as quoted in public sources)"),
    }


def _target(out: str | Path | None, wave: int, update_shipped: bool) -> Path:
    shipped = paths.synthetic_survey_file(wave).resolve()
    if out is None:
        target = shipped if update_shipped else paths.OUTPUTS / "reconstruction" / shipped.name
    else:
        target = Path(out)
        if target.suffix.lower() != ".csv":
            target = target / shipped.name
    target = target.resolve()
    if update_shipped:
        if target != shipped:
            raise PermissionError(f"--update-shipped writes only {shipped}, not {target}")
        target.parent.mkdir(parents=True, exist_ok=True)  # the one sanctioned write into data/raw
    else:
        paths.ensure_dir(target.parent)
    return target


def write_generic_reconstruction(out: str | Path | None = None, *, wave: int, seed: int | None = None,
                                 update_shipped: bool = False, time_limit: float = TIME_LIMIT,
                                 progress: Callable[[str], None] | None = None) -> dict[str, Path]:
    """Write a generic SYNTHETIC export and its ``.meta.json`` (see :func:`write_reconstruction`)."""
    target = _target(out, wave, update_shipped)
    pub = load_published(wave=wave)
    rec = reconstruct_generic(wave, seed, published=pub, time_limit=time_limit, progress=progress)
    sc = build_scorecard(pub, rec.tidy, wave=wave)
    target_rows = sc[sc["wave"] == wave]
    bad = target_rows.loc[target_rows["status"] == "mismatch", "finding_id"].tolist()
    if bad:
        raise ReconstructionError(f"the reconstruction misses published figure(s) {', '.join(bad)}; nothing written")
    reg = register(wave_settings(wave).register_year)
    data = generic_export_bytes(rec, reg)
    target.write_bytes(data)
    meta_path = target.parent / (target.stem + ".meta.json")
    meta = generic_metadata(rec, data, target.name, sc)
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return {"csv": target, "meta": meta_path}


def write_reconstruction(out: str | Path | None = None, *, wave: int = 2015, seed: int | None = None,
                         params: ReconstructionParams | None = None, update_shipped: bool = False,
                         time_limit: float = TIME_LIMIT,
                         progress: Callable[[str], None] | None = None) -> dict[str, Path]:
    """Write the SYNTHETIC export and its ``.meta.json``; returns their paths.

    Default folder ``outputs/reconstruction/``. Writing into ``data/raw`` is refused unless
    ``update_shipped`` is set, and then only to ``paths.synthetic_survey_file(wave)`` itself. Every wave, 2015
    included, uses the one engine (:mod:`.generic`; ``seed`` defaults to the wave's seed in the wave settings);
    the parameters of the retired detailed 2015 model are refused.
    """
    if params is not None and params != ReconstructionParams():
        raise ValueError(f"wave {wave}: the parameters of the retired detailed 2015 model (e.g. --g32-reading) no "
                         "longer apply: every wave uses the one engine, its reading comes from data/raw/waves.yaml")
    return write_generic_reconstruction(out, wave=wave, seed=seed, update_shipped=update_shipped,
                                        time_limit=time_limit, progress=progress)


def write_detailed_reconstruction(out: str | Path | None = None, *, wave: int = 2015, seed: int = DEFAULT_SEED,
                                  params: ReconstructionParams | None = None,
                                  update_shipped: bool = False) -> dict[str, Path]:
    """The retired detailed 2015 model's export (kept for the known-truth simulations of
    :mod:`.simulate`, which draw from it; no longer the shipped file)."""
    target = _target(out, wave, update_shipped)
    folder = target.parent
    rec = reconstruct(wave, seed, params=params)
    checks = verify_tidy(rec.tidy, load_published(wave=wave), rec_register(rec), rec.params)
    if not checks["ok"].all():
        bad = ", ".join(checks.loc[~checks["ok"], "finding_id"])
        raise RuntimeError(f"the reconstruction misses published figure(s) {bad}; nothing written")
    data = export_bytes(rec)
    target.write_bytes(data)
    meta_path = folder / (target.stem + ".meta.json")
    meta = metadata(rec, data, target.name, checks)
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return {"csv": target, "meta": meta_path}


def rec_register(rec: Reconstruction) -> pd.DataFrame:
    """The register of the reconstruction's wave."""
    return register(load_codebook().register_year(rec.wave))
