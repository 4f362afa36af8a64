"""Dutch text of the size models: numbers with a decimal comma, odds-ratio sentences and the notebook's
conclusion."""

from __future__ import annotations

import math

import pandas as pd

from wijkteam_stats.models.fits import Fit, ModelSet
from wijkteam_stats.models.frame import SIZE_TERM, group_labels
from wijkteam_stats.models.predictions import primary_teams_fit
from wijkteam_stats.reference.provenance import Provenance

#: Replications the known-truth recovery needs before its coverage is judged against 93-97 %.
MIN_RECOVERY_REPLICATIONS = 200


def nl_number(x: float, d: int = 2) -> str:
    """A number in Dutch notation with ``d`` decimals (decimal comma)."""
    return f"{x:.{d}f}".replace(".", ",")


def odds_ratio_sentence(fit: Fit, label: str) -> str:
    """'Label: OR 1,23 per verdubbeling (95 %-BI 0,98–1,54; n = 188)' for a size-only logit fit."""
    if not fit.estimable:
        return f"{label}: niet te schatten ({'; '.join(fit.notes)})"
    lo, hi = fit.ci(SIZE_TERM)
    extra = f"; {fit.method}, {fit.separation} separation" if fit.method != "mle" else ""
    return (f"{label}: OR {nl_number(math.exp(fit.coef(SIZE_TERM)))} per verdubbeling "
            f"(95 %-BI {nl_number(math.exp(lo))}–{nl_number(math.exp(hi))}; n = {fit.n}{extra})")


def _record(provenance: Provenance | None, synthetic: bool | None, generator_effect: float | None) -> Provenance:
    """The provenance record to speak from; a bare ``synthetic`` flag (old callers) is turned into one."""
    if provenance is not None:
        return provenance
    if synthetic is None:
        return Provenance("unknown", "none")
    if synthetic:
        params = {} if generator_effect is None else {"involvement_size_effect": float(generator_effect)}
        return Provenance("synthetic", "argument", params)
    return Provenance("real", "argument")


def provenance_paragraph_nl(rec: Provenance) -> str:
    """What the estimates mean given the provenance record (Dutch Markdown). Only the record speaks: an
    unknown origin says nothing about a generator; a synthetic record without the generator's size effect
    makes no claim about it."""
    if rec.status == "unknown":
        return ("**Herkomst onbekend.** Bij dit bestand is geen herkomstrecord gevonden (geen `.meta.json`, geen "
                "ingebedde metadata). Of dit echte of synthetische gegevens zijn, is niet vastgelegd; de schattingen "
                "hierboven beschrijven alleen dit bestand.")
    if rec.status == "real":
        return "Volgens het herkomstrecord komen deze schattingen uit een echte export van de enquête."
    eff = rec.parameters.get("involvement_size_effect")
    if eff is None:
        return ("**Let op: dit zijn SYNTHETISCHE gegevens** (volgens het herkomstrecord). Welk grootte-effect de "
                "generator heeft ingebouwd, is in het record niet vastgelegd; deze cijfers zeggen niets over echte "
                "gemeenten.")
    eff = float(eff)
    what = ("dus is er in deze gegevens per constructie **geen** verband tussen grootte en betrokkenheid; "
            "elke geschatte afwijking van OR 1 is toeval" if eff == 0 else
            f"dus is er per constructie een effect van OR {nl_number(math.exp(eff))} per verdubbeling ingebouwd")
    return ("**Let op: dit zijn SYNTHETISCHE gegevens** (volgens het herkomstrecord). Het geschatte effect "
            "weerspiegelt alleen de aanname van de generator (`involvement_size_effect` = "
            f"{nl_number(eff)} log-odds per verdubbeling), {what}. Deze cijfers zeggen niets over echte gemeenten.")


def conclusion_nl(ms: ModelSet, min_detectable: pd.DataFrame | None, coverage: pd.DataFrame | None,
                  synthetic: bool | None = None, generator_effect: float | None = None,
                  teams: pd.DataFrame | None = None, headline: pd.DataFrame | None = None,
                  provenance: Provenance | None = None) -> str:
    """The notebook's conclusion (Dutch Markdown): the estimates, the teams check, the weighting, what the
    design can detect, the known-truth check, and what the provenance record says about the data
    (``provenance``; old callers pass ``synthetic`` and ``generator_effect`` instead)."""
    rec = _record(provenance, synthetic, generator_effect)
    synthetic = rec.synthetic
    labels = group_labels()
    prim = [f for f in ms.involvement if f.model == "logit_size"]
    lines = ["## Conclusie", ""]
    sig = [f for f in prim if f.estimable and not (f.ci(SIZE_TERM)[0] <= 0 <= f.ci(SIZE_TERM)[1])]
    lines.append(f"**Geschat grootte-effect (meting {ms.wave}, primair model `logit_size`, robuuste {ms.hc_type}-SE).** "
                 f"Bij {len(sig)} van de {len(prim)} bewonersgroepen sluit het 95 %-interval van de odds ratio per "
                 "verdubbeling van het inwonertal de waarde 1 uit:")
    lines.append("")
    lines += [f"- {odds_ratio_sentence(f, labels.get(f.outcome, f.outcome))}" for f in prim]
    lines.append("")
    if len(prim) > 1:
        lines.append(f"Met {len(prim)} groepen is bij α = 0,05 per groep op toeval alleen al kans op minstens één "
                     f"'significante' groep ({100 * (1 - 0.95 ** len(prim)):.0f} % als er nergens een effect is); "
                     "lees de groepen als één patroon, niet als losse toetsen.")
        lines.append("")
    nb = next((f for f in ms.teams if f.model == "nb2_teams"), None)
    if nb is not None and nb.estimable:
        lo, hi = nb.ci(SIZE_TERM)
        text = (f"**Aantal teams.** Per verdubbeling van het inwonertal is het verwachte aantal teams "
                f"{nl_number(math.exp(nb.coef(SIZE_TERM)))} keer zo groot (95 %-BI {nl_number(math.exp(lo))}–"
                f"{nl_number(math.exp(hi))}; NB2, n = {nb.n}).")
        prim = primary_teams_fit(ms.teams)
        if prim is not nb:
            plo, phi = prim.ci(SIZE_TERM)
            text = text[:-2] + (f"; nul-afgeknot model {nl_number(math.exp(prim.coef(SIZE_TERM)))}, 95 %-BI "
                                f"{nl_number(math.exp(plo))}–{nl_number(math.exp(phi))}).")
        if teams is not None and len(teams):
            sel = teams[teams["model"] == prim.model]
            g = sel[sel["check"].str.startswith("G32")]
            r = sel[sel["check"].str.startswith("Rotterdam")]
            kind = "nul-afgeknot model, E[n | n ≥ 1]" if prim.family == "truncated_nb2" else "NB2"
            if len(g) and len(r):
                g, r = g.iloc[0], r.iloc[0]
                text += (f" Voorspeld ({kind}): gemiddeld {nl_number(g['predicted'], 1)} teams voor de "
                         f"G32-respondenten met teams (95 %-BI {nl_number(g['ci_low'], 1)}–"
                         f"{nl_number(g['ci_high'], 1)}; gepubliceerd 8) en {nl_number(r['predicted'], 1)} voor een "
                         f"gemeente zo groot als Rotterdam (95 %-BI {nl_number(r['ci_low'], 1)}–"
                         f"{nl_number(r['ci_high'], 1)}, voorspellingsinterval voor één gemeente "
                         f"{nl_number(r['pi_low'], 0)}–{nl_number(r['pi_high'], 0)}; gepubliceerd 42).")
        lines += [text, ""]
    if headline is not None and len(headline):
        diff = headline["difference_pp"].abs()
        text = (f"**Non-responsgewichten.** Gewogen naar grootteklasse × G32 verschuiven de kerncijfers hooguit "
                f"{nl_number(float(diff.max()), 1)} procentpunt ten opzichte van ongewogen; de conclusies "
                "hangen dus niet af van de weging (voor zover de respons binnen een cel aselect is).")
        if synthetic:
            text += (" *Op deze synthetische gegevens is dat per constructie waar en geen bevinding:* de generator "
                     "bepaalt respons en betrokkenheid zelf, dus een kleine verschuiving zegt niets over de echte "
                     "non-respons.")
        lines += [text, ""]
    if min_detectable is not None and len(min_detectable):
        inc = min_detectable[min_detectable["side"] == "increase"]["min_detectable_or"].dropna()
        if len(inc):
            nmin, nmax = int(min_detectable["n"].min()), int(min_detectable["n"].max())
            lines.append(f"**Wat deze gegevens kunnen zien.** Met de werkelijke opbouw van de enquête (basis {nmin}–{nmax} "
                         f"gemeenten per groep) heeft de toets 80 % onderscheidend vermogen vanaf een odds ratio van "
                         f"ongeveer {nl_number(inc.min())}–{nl_number(inc.max())} per verdubbeling. Kleinere effecten kunnen "
                         "bestaan zonder dat deze enquête ze aantoont: 'niet significant' betekent hier 'niet "
                         "aangetoond', niet 'geen verband'.")
            lines.append("")
    if coverage is not None and len(coverage):
        pooled = coverage[coverage["group"] == "alle groepen"].iloc[0]
        inside = 0.93 <= pooled["coverage"] <= 0.97
        reps = int(coverage["intervals"].iloc[0]) if "intervals" in coverage else 0
        verdict = ((f"{'binnen' if inside else 'BUITEN'} 93–97 %") if reps >= MIN_RECOVERY_REPLICATIONS else
                   f"met {reps} replicaties per groep geldt de band van 93–97 % niet: die vraagt er minstens "
                   f"{MIN_RECOVERY_REPLICATIONS}")
        lines.append(f"**Controle met bekende waarheid.** Op gesimuleerde enquêtes met een bekend grootte-effect "
                     f"(OR {nl_number(math.exp(pooled['truth']))} per verdubbeling) dekt het 95 %-interval de echte waarde in "
                     f"{nl_number(100 * pooled['coverage'], 1)} % van {int(pooled['intervals'])} intervallen "
                     f"({verdict}); gemiddelde schatting OR {nl_number(math.exp(pooled['mean_estimate']))}.")
        lines.append("")
    lines.append(provenance_paragraph_nl(rec))
    lines.append("")
    lines.append("**Op het echte bestand** (`wijkteam models --wave 2015 --survey PAD`) schat hetzelfde notebook, "
                 "zonder andere wijzigingen, per bewonersgroep de odds ratio per verdubbeling van het inwonertal met "
                 "95 %-interval, dezelfde diepte-, index- en teammodellen, de gewogen kerncijfers en de ontwerpanalyse "
                 "op de echte itembases. Ook dan blijft het een dwarsdoorsnede van de responderende gemeenten: een "
                 "verband met grootte is geen causaal effect, en grootte en G4/G32-lidmaatschap zijn nauwelijks uit "
                 "elkaar te halen.")
    return "\n".join(lines)
