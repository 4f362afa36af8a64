"""Families of tests: which p-values are adjusted together, and how a result of each family may be worded.

Every p-value the models publish belongs to one declared family (:data:`FAMILIES`); Holm's step-down
adjustment runs *within* a family, never across families, and every table shows the raw and the adjusted
p with the family named (columns ``family``, ``role``, ``family_size``, ``p_raw``, ``p_adj``).

Roles (``role``)
    ``primair``: the one question of the analysis, the size effect of each of the six resident groups in the
    primary model ``logit_size`` (Holm over six; the stacked model is the same question asked once).
    ``secundair``: one family per further question (size beside G4/G32, size classes, depth, index, number
    of teams). A secondary result is never worded as a finding: at most "past bij" or "geen aanwijzing".
    ``modelcontrole``: one family per check (linearity, proportional odds, item non-response, the teams
    model); a check says whether a model assumption holds, it is not a finding about municipalities.
    ``trends``: the changes between waves (:data:`wijkteam_stats.reproduce.trends.TREND_FAMILY`), adjusted
    in :func:`wijkteam_stats.reproduce.trends.change_tests`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from wijkteam_stats.models.frame import NETWORK_TERM, SIZE_TERM
from wijkteam_stats.models.joint import holm_adjust
from wijkteam_stats.reproduce.trends import TREND_FAMILY

#: family code -> (role, Dutch description of the question the family answers).
FAMILIES: dict[str, tuple[str, str]] = {
    "primair": ("primair", "grootte-effect per bewonersgroep (primair model, zes toetsen)"),
    "secundair_netwerk": ("secundair", "grootte en G4/G32-lidmaatschap in één model"),
    "secundair_grootteklassen": ("secundair", "verschil tussen grootteklassen"),
    "secundair_diepte": ("secundair", "diepte van de betrokkenheid naar grootte"),
    "secundair_index": ("secundair", "aantal betrokken groepen naar grootte"),
    "secundair_teams": ("secundair", "aantal teams naar grootte"),
    "modelcontrole_lineariteit": ("modelcontrole", "lineariteit in log2(inwoners)"),
    "modelcontrole_proportionele_odds": ("modelcontrole", "proportionele odds van het laddermodel"),
    "modelcontrole_item_nonrespons": ("modelcontrole", "item-non-respons naar grootte"),
    "modelcontrole_teammodel": ("modelcontrole", "vorm van de gemiddelde-curve van het teammodel"),
    TREND_FAMILY: ("trends", "veranderingen tussen metingen"),
}

#: Which model's size term belongs to which family (the coefficient tables of ``model_tables``).
MODEL_FAMILY = {
    "logit_size": "primair",
    "logit_size_network": "secundair_netwerk",
    "logit_size_class": "secundair_grootteklassen",
    "poisson_forms": "secundair_diepte",
    "ordinal_ladder": "secundair_diepte",
    "poisson_index": "secundair_index",
    "nb2_index": "secundair_index",
    "binomial6_index": "secundair_index",
    "binomial_answered_index": "secundair_index",
    "nb2_teams": "secundair_teams",
    "truncnb2_teams": "secundair_teams",
}

FAMILY_COLUMNS = ["family", "role", "family_size", "p_raw", "p_adj"]


def adjust(table: pd.DataFrame, family: str, p_col: str = "p_value") -> pd.DataFrame:
    """A copy of ``table`` (one family) with ``family``, ``role``, ``family_size`` (p-values tested),
    ``p_raw`` (= ``p_col``) and ``p_adj`` (Holm within the family); KeyError for an undeclared family."""
    if family not in FAMILIES:
        raise KeyError(f"undeclared family of tests: {family!r} (declare it in FAMILIES)")
    out = table.copy()
    p = out[p_col].to_numpy(dtype=float) if len(out) else np.array([])
    out["family"] = family
    out["role"] = FAMILIES[family][0]
    out["family_size"] = int(np.sum(~np.isnan(p)))
    out["p_raw"] = p
    out["p_adj"] = holm_adjust(p) if len(p) else p
    return out


def size_term_tests(coefficients: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """The size-term (size-class, G4/G32) p-values of coefficient tables (``tidy_coefficients``), each in the family of
    its model (:data:`MODEL_FAMILY`), Holm within each family: columns model, outcome, term, estimate,
    p_value, n and :data:`FAMILY_COLUMNS`."""
    rows = pd.concat([c for c in coefficients if len(c)], ignore_index=True)
    keep = (rows["term"].eq(SIZE_TERM) | rows["term"].eq(NETWORK_TERM)
            | rows["term"].astype(str).str.startswith("size_class"))
    rows = rows[keep & rows["model"].isin(list(MODEL_FAMILY))]
    out = [adjust(g, fam) for fam, g in rows.assign(_f=rows["model"].map(MODEL_FAMILY)).groupby("_f", sort=True)]
    cols = ["model", "outcome", "term", "estimate", "p_value", "n", *FAMILY_COLUMNS]
    if not out:
        return pd.DataFrame(columns=cols)
    return pd.concat(out, ignore_index=True)[cols]


def family_overview(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per declared family present in ``tables`` (any table with ``family``/``p_raw``/``p_adj``):
    family, role, question (Dutch), tests, raw and adjusted p below 0.05."""
    rows = []
    for t in tables.values():
        if not {"family", "p_raw", "p_adj"} <= set(t.columns) or t.empty:
            continue
        for fam, g in t.groupby("family", sort=True):
            rows.append({"family": fam, "role": FAMILIES[fam][0], "question": FAMILIES[fam][1],
                         "tests": int(g["p_raw"].notna().sum()), "raw_below_005": int((g["p_raw"] < 0.05).sum()),
                         "adjusted_below_005": int((g["p_adj"] < 0.05).sum())})
    out = pd.DataFrame(rows, columns=["family", "role", "question", "tests", "raw_below_005", "adjusted_below_005"])
    return out.drop_duplicates("family").sort_values("family", kind="stable").reset_index(drop=True)


def _p(x: float) -> str:
    return "< 0,001" if x < 0.001 else f"= {x:.3f}".replace(".", ",")


def check_sentence_nl(table: pd.DataFrame, labels: Mapping[str, str] | None = None, alpha: float = 0.05) -> str:
    """A Dutch sentence on one family of model checks or secondary tests (a table from :func:`adjust`): the
    smallest raw p with its Holm-adjusted p within the named family, worded as a check, never as a finding."""
    if table.empty or table["p_raw"].isna().all():
        return ""
    fam = str(table["family"].iloc[0])
    role, question = FAMILIES[fam]
    best = table.loc[table["p_raw"].idxmin()]
    who = (labels or {}).get(str(best.get("group", "")), str(best.get("group", best.get("outcome", ""))))
    head = f"*{question.capitalize()}* ({'modelcontrole' if role == 'modelcontrole' else role}, familie van " \
           f"{int(best['family_size'])} toetsen): kleinste p {_p(float(best['p_raw']))}" + (f" ({who})" if who else "") \
           + f", na Holm binnen de familie p {_p(float(best['p_adj']))}"
    if best["p_adj"] < alpha:
        tail = ("; dat wijst op een afwijking van de modelaanname, niet op een bevinding over gemeenten"
                if role == "modelcontrole" else "; een secundaire uitkomst, geen hoofdbevinding")
    else:
        tail = ("; geen aanwijzing dat de aanname niet klopt (wat bij deze aantallen weinig zegt)"
                if role == "modelcontrole" else "; geen aanwijzing voor een verschil")
    return head + tail + "."


__all__ = [
    "FAMILIES", "FAMILY_COLUMNS", "MODEL_FAMILY", "adjust", "check_sentence_nl", "family_overview",
    "size_term_tests",
]
