"""Which pages a wave supports, from its data entries alone (used by the site and the page templates).

A page is offered (and invited to) only when the wave asked the questions it needs:

- ``reproduction``: the wave has a published-figures file with rows of its own;
- ``models`` (resident involvement against municipality size): the wave asked the involvement grid;
- ``reports`` (municipality reports): the wave has a survey file (the shipped SYNTHETIC export or a real one)
  and asked whether the municipality works with teams;
- ``trends``: at least two known waves have a published-figures file.
"""

from __future__ import annotations

import pandas as pd

from wijkteam_stats.reference import paths, waves
from wijkteam_stats.reference.codebook import load_codebook
from wijkteam_stats.reference.municipalities import register

PAGES = ("reproduction", "models", "reports", "trends")


def page_support(wave: int) -> dict[str, str]:
    """Per page, why wave ``wave`` cannot have it ("" when it can), in English."""
    wave = int(wave)
    cb = load_codebook().for_wave(wave)
    names = {v.name: v for v in cb.variables}
    published = [w for w in waves.known_waves() if paths.published_file(w).is_file()]
    out = {
        "reproduction": "" if wave in published else f"no published-figures file for {wave}",
        "models": "" if any(v.type == "grid" for v in names.values())
        else f"{wave} did not ask the involvement grid the models need",
        "reports": "" if "has_teams" in names and paths.synthetic_survey_file(wave).is_file()
        else f"{wave} has no survey file (or did not ask whether the municipality works with teams)",
        "trends": "" if len(published) >= 2 else "fewer than two waves with published figures",
    }
    return out


def supported_pages(wave: int) -> list[str]:
    """The pages wave ``wave`` supports, in :data:`PAGES` order."""
    return [p for p, why in page_support(wave).items() if not why]


def wave_facts(wave_list: list[int] | None = None) -> list[dict]:
    """Per wave (default: every known wave with a published file), the facts a page text names, so that no
    text fixes them: wave, invited municipalities (register size), respondents (published ``n_respondents``),
    fieldwork label (``waves.yaml``) and publication. Sorted by wave."""
    out = []
    for w in sorted(wave_list or [w for w in waves.known_waves() if paths.published_file(w).is_file()]):
        s = waves.settings(w)
        n = None
        if paths.published_file(w).is_file():
            pub = pd.read_csv(paths.published_file(w), dtype=str, encoding="utf-8-sig")
            rows = pub[(pub["variable"] == "n_respondents") & (pub["breakdown"] == "all")
                       & (pub["wave"] == str(w)) & (pub["statistic"] == "count")]
            n = int(float(rows["value"].iloc[0])) if len(rows) else None
        out.append({"wave": int(w), "invited": len(register(s.register_year)), "respondents": n,
                    "fieldwork": s.fieldwork_label, "report": s.report})
    return out
