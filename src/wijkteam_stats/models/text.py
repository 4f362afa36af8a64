"""Dutch text of the size models: numbers with a decimal comma, odds-ratio sentences and the notebook's
conclusion."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from wijkteam_stats.models.families import FAMILIES, check_sentence_nl
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
    sep_nl = {"complete": "volledige", "quasi": "quasi-volledige"}.get(fit.separation, fit.separation)
    extra = (f"; Firth (gepenaliseerde likelihood) wegens {sep_nl} separatie, profielinterval"
             if fit.method == "firth" else (f"; {fit.method}" if fit.method != "mle" else ""))
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
    if rec.kind == "self-reported":
        return ("**Zelfscans: zelfselectie en kleine aantallen.** Volgens het herkomstrecord zijn dit antwoorden "
                "die gemeenten of hun adviesraden zelf invulden (zelfscan), geen enquête onder alle gemeenten. Wie "
                "meedeed, koos daar zelf voor, en het zijn er weinig: de schattingen gelden alleen voor deze "
                "gemeenten en zijn onzeker; lees ze niet als uitspraak over alle gemeenten.")
    if rec.status == "real":
        return "Volgens het herkomstrecord komen deze schattingen uit een echte export van de enquête."
    eff = rec.parameters.get("involvement_size_effect")
    if eff is None:
        listed = generator_assumptions_nl(rec)
        return ("**Let op: dit zijn SYNTHETISCHE gegevens** (volgens het herkomstrecord). Welk grootte-effect de "
                "generator heeft ingebouwd, is in het record niet vastgelegd; deze cijfers zeggen niets over echte "
                "gemeenten."
                + (f"\n\nAlle aannamen van de generator volgens het herkomstrecord: {listed}." if listed else ""))
    eff = float(eff)
    listed = generator_assumptions_nl(rec)
    what = ("dus is er in deze gegevens per constructie **geen** verband tussen grootte en betrokkenheid; "
            "elke geschatte afwijking van OR 1 is toeval" if eff == 0 else
            f"dus is er per constructie een effect van OR {nl_number(math.exp(eff))} per verdubbeling ingebouwd")
    return ("**Let op: dit zijn SYNTHETISCHE gegevens** (volgens het herkomstrecord). Het geschatte effect "
            "weerspiegelt alleen de aanname van de generator (`involvement_size_effect` = "
            f"{nl_number(eff)} log-odds per verdubbeling), {what}. Deze cijfers zeggen niets over echte gemeenten."
            + (f"\n\nAlle aannamen van de generator volgens het herkomstrecord: {listed}." if listed else ""))


#: Dutch glosses of generator parameters (the values always come from the provenance record; a parameter
#: without a gloss is listed by its name, so no parameter of the record is left out).
PARAMETER_GLOSS_NL = {
    "g32_reading": "lezing van de G32",
    "reading": "lezing van de G32-uitsplitsing",
    "universes": "universum per vraag",
    "response_size_effect": "effect van grootte op respons (log-odds per verdubbeling, binnen G32/overige)",
    "involvement_size_effect": "effect van grootte op betrokkenheid (log-odds per verdubbeling)",
    "teams_population_exponent": "aantal teams evenredig met inwonertal tot de macht",
    "teams_dispersion": "sd van de log-normale ruisfactor op het aantal teams",
    "g32_mean_bases": "bases waarop het G32-gemiddelde van 8 moet kloppen",
    "explicit_no_not_small": "gemeenten met een bewuste keuze tegen teams met ≥ 20.000 inwoners",
    "non_team_planned_share": "aandeel 'gepland' onder de overige gemeenten zonder teams",
    "partial_respondents": "respondenten met teams die vóór de betrokkenheidsvragen stopten",
    "broad_integral_share": "aandeel breed-integrale teams",
    "team_type_other_shares": "aandelen van niet-gepubliceerde teamtypen",
    "problem_scope_single_share": "aandeel 'één probleemgebied'",
    "unpublished_option_share": "doelaandeel van niet-gepubliceerde antwoordopties",
    "other_option_share": "aandeel 'anders'",
    "goal_shares": "doelaandelen van de doelen",
    "rank_tie_partners": "opties die een gedeelde plaats in een rangorde krijgen",
    "soft_target_weight": "gewicht van de zachte doelen",
    "multi_type_teams_weight": "gewicht van gemeenten met meer teamtypen",
    "fieldwork": "veldwerkperiode",
    "comment_share": "aandeel met een open opmerking",
}


def _value_nl(value: object) -> str:
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    if isinstance(value, dict):
        return "; ".join(f"{k} {_value_nl(v)}" for k, v in value.items()) or "geen"
    if isinstance(value, (list, tuple)):
        return ", ".join(_value_nl(v) for v in value) or "geen"
    return str(value)


def generator_assumptions_nl(rec: Provenance) -> str:
    """Every generator parameter of a synthetic provenance record as a Dutch list ('gloss (`name`) = value'),
    in the record's order; empty when the record has none. Read from the record, so it cannot drift."""
    if not rec.synthetic:
        return ""
    parts = []
    for name, value in rec.parameters.items():
        if name == "extra" and not value:
            continue
        gloss = PARAMETER_GLOSS_NL.get(name)
        text = _value_nl(value)
        if not isinstance(value, (bool, int, float)):  # codes, dates and mappings read as code, not prose
            text = f"`{text}`"
        parts.append(f"{gloss} (`{name}`) = {text}" if gloss else f"`{name}` = {text}")
    return "; ".join(parts)


def _pop_nl(pop: float) -> str:
    return f"{int(round(pop)):,}".replace(",", ".")


def generator_teams_rule_nl(parameters: dict) -> str:
    """How the reconstruction that made a synthetic file assigned the number of teams, in Dutch, from the
    parameters of its provenance record (never assumed: what the record does not say is said to be unknown)."""
    exp_, disp = parameters.get("teams_population_exponent"), parameters.get("teams_dispersion")
    if exp_ is not None or disp is not None:  # the detailed 2015 model of earlier versions
        return ("de generator heeft de teams over de gemeenten verdeeld naar het inwonertal"
                + (f" tot de macht {_value_nl(float(exp_))}" if exp_ is not None else "")
                + (f", maal een log-normale ruisfactor (sd {_value_nl(float(disp))})" if disp is not None else "")
                + ", afgerond met minstens 1 team per gemeente met teams")
    cells = parameters.get("cells")
    if isinstance(cells, dict) and cells:
        groups = []
        if any(str(c).startswith("g4/") for c in cells):
            groups.append("de G4")
        if any(str(c).startswith("g32/") for c in cells):
            groups.append("de G32")
        if any(str(c).endswith(("/small", "/large")) for c in cells):
            groups.append("gemeenten onder en boven 20.000 inwoners")
        if any(str(c).startswith("GM") for c in cells):
            groups.append("de gemeenten waarover een eigen cijfer is gepubliceerd (zoals Rotterdam)")
        spread = parameters.get("teams_spread")
        within = (f"binnen die groepen verdeeld {spread}" if isinstance(spread, str) and spread
                  else "binnen die groepen willekeurig (met vaste startwaarde) toegekend")
        return ("de reconstructie heeft de aantallen teams per groep van gemeenten gekozen ("
                + ", ".join(groups) + ") zodat de gepubliceerde cijfers kloppen, en " + within
                + "; elk verschil tussen die groepen is dus door de reconstructie opgelegd")
    return "de regel waarmee de generator de teams verdeelde staat niet in het herkomstrecord"


def teams_effect_nl(effect: pd.DataFrame, fit: Fit, synthetic: bool = False,
                    provenance: Provenance | None = None, check: pd.DataFrame | None = None) -> str:
    """The teams paragraph, led by the zero-truncated model: E[n | n >= 1] and its ratio per doubling at
    several sizes with intervals; exp(b) named for what it is (the latent, untruncated mean ratio). On
    synthetic data (``synthetic`` or the ``provenance`` record) it first says what the generator assumed
    (read from the record) and that the estimate recovers that assumption; ``check``
    (:func:`~wijkteam_stats.models.checks.teams_model_check`) adds the model check of the mean curve."""
    rec = provenance if provenance is not None else _record(None, synthetic, None)
    synthetic = synthetic or rec.synthetic
    sel = effect[effect["model"] == fit.model]
    if not fit.estimable or sel.empty:
        return "**Aantal teams.** Het teammodel kon niet worden geschat."
    truncated = fit.family == "truncated_nb2"
    kind = ("nul-afgeknot model (gegeven dat er teams zijn, E[n | n ≥ 1])" if truncated else "NB2-model")
    boundary = fit.alpha == 0.0
    lead = ""
    if synthetic:
        rule = generator_teams_rule_nl(rec.parameters)
        lead = (f"*Op synthetische gegevens is dit geen bevinding:* {rule}. Het model vindt die aanname terug; de "
                "verhoudingen hierna zijn daarom circulair, net als het effect op de betrokkenheid, en zeggen niets over "
                "echte gemeenten. ")
    head = (f"**Aantal teams** ({kind}"
            + (", dispersie op de rand 0: afgeknot Poisson met robuuste SE" if boundary else "")
            + f", n = {fit.n}). ")
    parts = [head + lead + ("In deze gegevens vermenigvuldigt een" if lead else "Een")
             + " verdubbeling van het inwonertal het verwachte aantal teams met"]
    items = []
    for _, r in sel.iterrows():
        flag = "" if r["in_fitted_range"] else " (buiten het geschatte bereik)"
        items.append(f"×{nl_number(r['ratio_per_doubling'])} bij {_pop_nl(r['population'])} inwoners (95 %-BI "
                     f"{nl_number(r['ratio_low'])}–{nl_number(r['ratio_high'])}; verwacht "
                     f"{nl_number(r['expected'], 1)} teams){flag}")
    text = parts[0] + " " + "; ".join(items) + "."
    if truncated:
        text += (f" De modelparameter exp(b) = {nl_number(math.exp(fit.coef(SIZE_TERM)))} is de verhouding van het "
                 "*latente, niet-afgeknotte* gemiddelde; het verwachte aantal teams van een gemeente met teams groeit "
                 "bij kleine gemeenten veel minder, omdat het daar dicht bij de ondergrens 1 ligt.")
    if check is not None and len(check):
        text += " " + teams_model_check_nl(check)
    if synthetic:
        text += (" *Op synthetische gegevens zijn de controles tegen het gepubliceerde G32-gemiddelde (8) en "
                 "Rotterdams 42 teams circulair:* de reconstructie is zo gemaakt dat ze die cijfers haalt en Rotterdam "
                 "zit zelf in de gegevens; dat het model ze terugvindt, bewijst niets.")
    return text


def _p_nl(p: float) -> str:
    return "p < 0,001" if p < 0.001 else f"p = {nl_number(p, 3)}"


def teams_model_check_nl(check: pd.DataFrame) -> str:
    """The model check of the teams models' mean curve in Dutch: the quadratic term's robust p per model, raw
    and Holm-adjusted within its family, and the Pearson dispersion (worded as a check, not a finding)."""
    ok = check.dropna(subset=["p_raw"])
    if ok.empty:
        return ""
    names = {"truncnb2_teams": "in het nul-afgeknotte model", "nb2_teams": "in het NB2-model"}
    quad = "; ".join(f"{names.get(r['model'], r['model'])} {_p_nl(r['p_raw'])} (na Holm {_p_nl(r['p_adj'])})"
                     for _, r in ok.iterrows())
    disp = check["pearson_dispersion"].dropna()
    fit_ok = bool((ok["p_adj"] >= 0.05).all())
    family = FAMILIES.get(str(ok["family"].iloc[0]), ("", str(ok["family"].iloc[0])))[1]
    text = (f"*Modelcontrole van de curve* (familie '{family}', {int(ok['family_size'].iloc[0])} "
            f"toetsen, {ok['cov_type'].iloc[0]}-SE): een kwadratische term in log2(inwoners) erbij geeft {quad}. ")
    text += ("Geen aanwijzing dat de log-lineaire curve tekortschiet." if fit_ok else
             "De log-lineaire curve past dus niet precies: de verhoudingen per verdubbeling gelden voor die "
             "vereenvoudigde vorm en zijn een samenvatting, geen exacte beschrijving.")
    if len(disp):
        lo, hi = float(disp.min()), float(disp.max())
        rng = nl_number(lo) if nl_number(lo) == nl_number(hi) else f"{nl_number(lo)}–{nl_number(hi)}"
        text += (f" Pearson χ²/df = {rng}" + (": de aantallen spreiden minder dan het model verwacht "
                 "(onderdispersie); de robuuste standaardfouten blijven geldig, modelgebaseerde zouden te ruim zijn."
                 if hi < 1 else "."))
    return text


def joint_nl(joint: dict[str, pd.DataFrame] | None, holm: pd.DataFrame | None,
             detectable: pd.DataFrame | None = None, alpha: float = 0.05) -> str:
    """The joint analysis in Dutch: the common OR of the stacked logit (group intercepts, clustered SEs),
    the equal-slopes test with its degrees of freedom, Holm, and the detectable effects in percentage
    points at the Holm-adjusted level."""
    out = []
    if joint is not None:
        st = joint["stacked"]
        c = st[st["group"] == "gemeenschappelijk"].iloc[0]
        tests = joint["slope_tests"].set_index("test")
        eq, zero = tests.loc["gelijke hellingen"], tests.loc["alle hellingen 0"]
        out.append(f"**Eén vraag, één toets.** In een gestapeld logitmodel over de zes groepen (eigen intercept per "
                   f"groep, standaardfouten geclusterd per gemeente: {int(c['n_clusters'])} gemeenten, "
                   f"{int(c['n_rows'])} antwoorden) is de gemeenschappelijke odds ratio per verdubbeling "
                   f"{nl_number(c['odds_ratio'])} (95 %-BI {nl_number(c['or_low'])}–{nl_number(c['or_high'])}; "
                   f"p = {nl_number(c['p_value'], 3)}). Zijn de hellingen van de groepen gelijk? Wald-toets "
                   f"χ² = {nl_number(eq['chi2'], 1)} met {int(eq['df'])} vrijheidsgraden (zes hellingen, vijf "
                   f"beperkingen), p = {nl_number(eq['p_value'], 3)}. Zijn ze alle zes 0? χ² = "
                   f"{nl_number(zero['chi2'], 1)}, {int(zero['df'])} vrijheidsgraden, p = {nl_number(zero['p_value'], 3)}. "
                   "Het gestapelde model met groepsintercepten is ook de gepoolde index 'betrokken van de beantwoorde "
                   "groepen'.")
    if holm is not None and len(holm):
        n_raw, n_holm = int(holm["significant"].sum()), int(holm["significant_holm"].sum())
        same = "de p-waarden van de per-groepmodellen zelf (robuuste Wald-toets, of de gepenaliseerde LR-toets bij Firth)"
        out.append(f"Holm-correctie binnen de primaire familie van {len(holm)} toetsen, op {same}: bij {n_holm} van de "
                   f"{len(holm)} groepen is het grootte-effect onderscheidbaar van nul bij α = {nl_number(alpha, 2)} "
                   f"(zonder correctie: {n_raw}).")
    if detectable is not None and len(detectable):
        inc = detectable[(detectable["side"] == "increase") & detectable["min_detectable_or"].notna()]
        if len(inc):
            lvl = float(inc["alpha"].iloc[0]) if "alpha" in inc else alpha
            out.append(f"Bij het gecorrigeerde niveau (α = {nl_number(lvl, 4)} per groep) heeft de toets 80 % "
                       f"onderscheidend vermogen vanaf een odds ratio van {nl_number(inc['min_detectable_or'].min())}–"
                       f"{nl_number(inc['min_detectable_or'].max())} per verdubbeling; dat is een verschil van "
                       f"{nl_number(inc['pp_20k_100k'].min(), 0)}–{nl_number(inc['pp_20k_100k'].max(), 0)} "
                       "procentpunt tussen een gemeente van 20.000 en een van 100.000 inwoners. Kleinere verschillen "
                       "kan deze enquête niet betrouwbaar zien.")
    return " ".join(out)


def overlap_nl(summary: dict) -> str:
    """What the G4/G32 coefficient rests on (Dutch)."""
    if not summary or not summary.get("n_g4_g32"):
        return ""
    return (f"**Overlap van grootte en G4/G32.** Alle {summary['n_g4_g32']} G4/G32-respondenten met teams hebben "
            f"minstens {_pop_nl(summary['min_population_g4_g32'])} inwoners; van de andere gemeenten zijn er maar "
            f"{summary['n_other_as_large']} zo groot. De G4/G32-coëfficiënt in `logit_size_network` rust dus op die "
            f"{summary['n_other_as_large']} gemeenten (en op het doortrekken van de groottecurve): daarover zeggen "
            "de gegevens weinig, wat de grote onzekerheid verklaart. Een hoge VIF vat dat samen; de overlaptabel laat "
            "het direct zien.")


def caveats_nl(sensitivity: pd.DataFrame | None = None) -> str:
    """The interpretation caveats (Dutch): mechanism through the number of teams, single informant,
    ecological level, respondent selection, FPC."""
    lines = ["**Wat deze cijfers niet zeggen.**", ""]
    sens = ""
    if sensitivity is not None and len(sensitivity):
        ok = sensitivity.dropna(subset=["or_size_only", "or_size_adjusted"])
        if len(ok):
            sens = (f" In het gevoeligheidsmodel met log(aantal teams) verandert de OR per verdubbeling van "
                    f"{nl_number(ok['or_size_only'].min())}–{nl_number(ok['or_size_only'].max())} (alleen grootte) in "
                    f"{nl_number(ok['or_size_adjusted'].min())}–{nl_number(ok['or_size_adjusted'].max())} (grootte en "
                    "aantal teams).")
    lines += [
        "- *Mechanisme.* 'Enig team betrekt groep g' stijgt vanzelf met het aantal teams, en dat verdubbelt ongeveer "
        "met het inwonertal: een grootte-effect kan dus alleen het aantal teams weerspiegelen." + sens,
        "- *Eén informant, zelfrapportage.* Per gemeente vulde één persoon de vragenlijst in over alle teams; wat die "
        "weet en hoe die 'betrokkenheid' leest, zit in elk antwoord.",
        "- *Ecologisch niveau.* De eenheid is de gemeente. Over afzonderlijke teams of bewoners volgt hieruit niets.",
        "- *Selectie van respondenten.* Alleen responderende gemeenten (grote en G32-gemeenten vaker) en alleen "
        "gemeenten met teams tellen mee; de gewichten corrigeren alleen voor grootteklasse × G32.",
        "- *Eindigepopulatiecorrectie.* Beschrijvende percentages gaan over deze eindige verzameling gemeenten en "
        "krijgen daarom ook een interval met de eindigepopulatiecorrectie (N − n)/(N − 1), gewogen én ongewogen, met "
        "N het aantal gemeenten waarover het percentage gaat (alle gemeenten, of het geschatte aantal met teams). "
        "Die correctie veronderstelt dat de respondenten binnen een cel van grootteklasse × G32 een aselecte "
        "deelverzameling zijn; daarom staan de intervallen zonder correctie ernaast. De odds ratio's "
        "beschrijven het proces achter de antwoorden (een superpopulatie) en krijgen die correctie niet: een gemeente "
        "die morgen zou antwoorden, valt onder hetzelfde proces.",
    ]
    return "\n".join(lines)


def conclusion_nl(ms: ModelSet, min_detectable: pd.DataFrame | None, coverage: pd.DataFrame | None,
                  synthetic: bool | None = None, generator_effect: float | None = None,
                  teams: pd.DataFrame | None = None, headline: pd.DataFrame | None = None,
                  provenance: Provenance | None = None, joint: dict[str, pd.DataFrame] | None = None,
                  holm: pd.DataFrame | None = None, detectable: pd.DataFrame | None = None,
                  teams_effect: pd.DataFrame | None = None, overlap: dict | None = None,
                  sensitivity: pd.DataFrame | None = None, teams_model_check: pd.DataFrame | None = None,
                  checks: Sequence[pd.DataFrame] = ()) -> str:
    """The notebook's conclusion (Dutch Markdown): the estimates, the joint analysis and Holm, the teams
    effect at several sizes, the overlap of size and G4/G32, the weighting, what the design can detect, the
    known-truth check, the caveats, and what the provenance record says about the data (``provenance``; old
    callers pass ``synthetic`` and ``generator_effect`` instead)."""
    rec = _record(provenance, synthetic, generator_effect)
    synthetic = rec.synthetic
    labels = group_labels()
    prim = [f for f in ms.involvement if f.model == "logit_size"]
    lines = ["## Conclusie", ""]
    sig = [f for f in prim if f.distinguishable(SIZE_TERM)]
    lines.append(f"**Geschat grootte-effect (meting {ms.wave}, primair model `logit_size`, robuuste {ms.hc_type}-SE).** "
                 f"Bij {len(sig)} van de {len(prim)} bewonersgroepen sluit het 95 %-interval van de odds ratio per "
                 "verdubbeling van het inwonertal de waarde 1 uit:")
    lines.append("")
    lines += [f"- {odds_ratio_sentence(f, labels.get(f.outcome, f.outcome))}" for f in prim]
    lines.append("")
    if len(prim) > 1:
        lines.append(f"Met {len(prim)} groepen is bij α = 0,05 per groep op toeval alleen al kans op minstens één "
                     f"'significante' groep (tot {100 * (1 - 0.95 ** len(prim)):.0f} % als er nergens een effect is en "
                     "de groepen onafhankelijk zijn; de antwoorden van één gemeente hangen samen, dus in werkelijkheid "
                     "wat minder); lees de groepen als één patroon, niet als losse toetsen.")
        lines.append("")
    text = joint_nl(joint, holm, detectable)
    if text:
        lines += [text, ""]
    if overlap:
        lines += [overlap_nl(overlap), ""]
    tfit = primary_teams_fit(ms.teams) if ms.teams else None
    if tfit is not None and teams_effect is not None and len(teams_effect):
        lines += [teams_effect_nl(teams_effect, tfit, synthetic, provenance=rec, check=teams_model_check), ""]
    nb = next((f for f in ms.teams if f.model == "nb2_teams"), None)
    if nb is not None and nb.estimable and (teams_effect is None or not len(teams_effect)):
        lo, hi = nb.ci(SIZE_TERM)
        lines += [f"**Aantal teams (NB2, niet afgeknot).** Per verdubbeling van het inwonertal is het verwachte "
                  f"gemiddelde {nl_number(math.exp(nb.coef(SIZE_TERM)))} keer zo groot (95 %-BI "
                  f"{nl_number(math.exp(lo))}–{nl_number(math.exp(hi))}; n = {nb.n}).", ""]
    if tfit is not None and tfit.estimable and teams is not None and len(teams):
        sel = teams[teams["model"] == tfit.model]
        g = sel[sel["check"].str.startswith("G32")]
        r = sel[sel["check"].str.startswith("Rotterdam")]
        kind = "nul-afgeknot model, E[n | n ≥ 1]" if tfit.family == "truncated_nb2" else "NB2"
        if len(g) and len(r):
            g, r = g.iloc[0], r.iloc[0]
            pi = (f", voorspellingsinterval voor één gemeente {nl_number(r['pi_low'], 0)}–{nl_number(r['pi_high'], 0)}"
                  if pd.notna(r["pi_low"]) else "")
            lines += [f"*Modelcontrole* ({kind}): gemiddeld {nl_number(g['predicted'], 1)} teams voor de "
                      f"G32-respondenten met teams (95 %-BI {nl_number(g['ci_low'], 1)}–"
                      f"{nl_number(g['ci_high'], 1)}; gepubliceerd 8) en {nl_number(r['predicted'], 1)} voor een "
                      f"gemeente zo groot als Rotterdam (95 %-BI {nl_number(r['ci_low'], 1)}–"
                      f"{nl_number(r['ci_high'], 1)}{pi}; gepubliceerd 42)."
                      + (" Circulair op synthetische gegevens (zie boven)." if synthetic else ""), ""]
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
    check_lines = [check_sentence_nl(t, labels) for t in checks if len(t)]
    check_lines = [c for c in check_lines if c]
    if check_lines:
        lines += ["**Modelcontroles** (elk een eigen familie van toetsen, Holm binnen de familie; controles van "
                  "aannamen, geen bevindingen):", ""] + [f"- {c}" for c in check_lines] + [""]
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
    lines += [caveats_nl(sensitivity), ""]
    lines.append(provenance_paragraph_nl(rec))
    lines.append("")
    lines.append("**Op het echte bestand** (`wijkteam models --wave 2015 --survey PAD`) schat hetzelfde notebook, "
                 "zonder andere wijzigingen, per bewonersgroep de odds ratio per verdubbeling van het inwonertal met "
                 "95 %-interval, dezelfde diepte-, index- en teammodellen, de gewogen kerncijfers en de ontwerpanalyse "
                 "op de echte itembases. Ook dan blijft het een dwarsdoorsnede van de responderende gemeenten: een "
                 "verband met grootte is geen causaal effect, en grootte en G4/G32-lidmaatschap zijn nauwelijks uit "
                 "elkaar te halen.")
    return "\n".join(lines)
