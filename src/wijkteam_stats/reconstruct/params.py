"""Generator parameters: every choice the published figures do not fix, with a neutral default.

A reconstruction is a function of (published figures, municipality register, seed, parameters). The
parameters are written into the metadata sidecar of the shipped file and quoted in the notebook text.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

#: Bump when the generator's output for the same inputs changes.
GENERATOR_VERSION = "1.0.0"
#: Seed of the shipped reconstruction.
DEFAULT_SEED = 20160201

G32_READINGS = ("network", "network_plus_g4")


@dataclass(frozen=True)
class ReconstructionParams:
    """Every unfixed choice of the generator (see ``PARAM_DOCS`` for the meaning of each field)."""

    g32_reading: str = "network"
    response_size_effect: float = 0.0
    involvement_size_effect: float = 0.0
    teams_population_exponent: float = 1.0
    teams_dispersion: float = 0.25
    g32_mean_bases: tuple[str, ...] = ("respondents", "with_teams")
    explicit_no_not_small: int = 1
    non_team_planned_share: float = 0.5
    partial_respondents: int = 5
    broad_integral_share: float = 0.85
    team_type_other_shares: tuple[tuple[str, float], ...] = (("multiprobleem", 0.10), ("anders", 0.05))
    problem_scope_single_share: float = 0.5
    unpublished_option_share: float = 0.5
    other_option_share: float = 0.05
    goal_shares: tuple[tuple[str, float], ...] = (
        ("voorkomen_zwaardere_zorg", 0.75), ("integrale_aanpak", 0.75), ("preventie", 0.65),
        ("zelfredzaamheid", 0.50), ("laagdrempelige_toegang", 0.50), ("kostenbeheersing", 0.30),
        ("anders", 0.05),
    )
    rank_tie_partners: tuple[tuple[str, str], ...] = (("goal__zelfredzaamheid", "goal__laagdrempelige_toegang"),)
    soft_target_weight: float = 0.05
    multi_type_teams_weight: float = 1.0
    fieldwork: tuple[str, str] = ("2015-09-14", "2015-11-27")
    comment_share: float = 0.12
    extra: tuple[tuple[str, Any], ...] = field(default=())

    def __post_init__(self) -> None:
        if self.g32_reading not in G32_READINGS:
            raise ValueError(f"g32_reading must be one of {', '.join(G32_READINGS)}, got {self.g32_reading!r}")
        for name in ("non_team_planned_share", "broad_integral_share", "problem_scope_single_share",
                     "unpublished_option_share", "other_option_share", "comment_share"):
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {v}")
        if self.partial_respondents < 0 or self.explicit_no_not_small < 0:
            raise ValueError("partial_respondents and explicit_no_not_small must be >= 0")
        if not set(self.g32_mean_bases) <= {"respondents", "with_teams"} or not self.g32_mean_bases:
            raise ValueError("g32_mean_bases must be a non-empty subset of ('respondents', 'with_teams')")
        if self.teams_dispersion < 0:
            raise ValueError("teams_dispersion must be >= 0")

    def with_(self, **changes: Any) -> ReconstructionParams:
        """A copy with some fields changed."""
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (JSON-ready) of all parameters."""
        out = asdict(self)
        for k in ("team_type_other_shares", "goal_shares"):
            out[k] = dict(out[k])
        out["rank_tie_partners"] = [list(p) for p in self.rank_tie_partners]
        out["g32_mean_bases"] = list(self.g32_mean_bases)
        out["fieldwork"] = list(self.fieldwork)
        out["extra"] = dict(self.extra)
        return out

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in fields(cls)]


#: One line per parameter: what it controls and why the default is neutral.
PARAM_DOCS: dict[str, str] = {
    "g32_reading": "'network': the G32 of the published percentages and mean are the 37 network members on 1 "
                   "January (G4 not included, Rotterdam outside the G32 mean; reading A of the audit); "
                   "'network_plus_g4': the G4 count as G32 (reading B).",
    "response_size_effect": "log-odds per doubling of population that a municipality responds, within G32 / "
                            "non-G32 (the published figures fix only how many of each responded); 0 = response "
                            "unrelated to size within each group.",
    "involvement_size_effect": "log-odds per doubling of population that a resident group is involved in the team "
                               "(any form) rather than 'geen betrokkenheid'; applied with conditional Poisson "
                               "sampling so the published counts stay exact; 0 = no size dependence.",
    "teams_population_exponent": "number of teams proportional to population^exponent (then rounded by largest "
                                 "remainder, at least 1, below Rotterdam's 42); 1 = one team per fixed number "
                                 "of inhabitants, as Rotterdam's 42 teams for 624 000 inhabitants suggest.",
    "teams_dispersion": "standard deviation of a log-normal factor on each municipality's team weight (local "
                        "variation around the population rule).",
    "g32_mean_bases": "bases the G32 mean of 8 must hold for: all responding G32 municipalities and/or those "
                      "with teams (both by default, as the source does not say).",
    "explicit_no_not_small": "how many of the municipalities that explicitly chose no team have 20 000 inhabitants "
                             "or more ('vrijwel uitsluitend kleine gemeenten'); must keep >= 90 % small.",
    "non_team_planned_share": "share of 'nee, maar gepland' among the remaining respondents without teams (the "
                              "rest answer 'anders'); not published.",
    "partial_respondents": "respondents with teams who stopped before the support and involvement questions "
                           "(status 'gedeeltelijk'); they count as item non-response in the involvement bases.",
    "broad_integral_share": "target share of municipalities with a broad integral team ('veruit de meeste'); "
                            "not published.",
    "team_type_other_shares": "target shares of the unpublished team types.",
    "problem_scope_single_share": "share of 'vooral enkelvoudig' among broad integral teams not handling both "
                                  "(the rest 'vooral meervoudig').",
    "unpublished_option_share": "target share of the discipline options the published figures do not mention "
                                "(wijkverpleging, jeugd en gezin, GGZ, mantelzorgondersteuning).",
    "other_option_share": "target share of every 'anders' option.",
    "goal_shares": "target shares of the goals (only their ranks are published: two tied first, preventie "
                   "third, zelfredzaamheid sharing fourth).",
    "rank_tie_partners": "the unpublished option that ties with a published rank ('gedeelde vierde plaats': "
                         "laagdrempelige toegang, an assumption).",
    "soft_target_weight": "weight of the unpublished target shares in the MILP objective relative to the "
                          "published figures (small: published figures dominate).",
    "multi_type_teams_weight": "how strongly municipalities with more teams get more than one team type.",
    "fieldwork": "period in which the synthetic answers were 'submitted' (fieldwork najaar 2015).",
    "comment_share": "share of respondents who leave a (generic, synthetic) comment.",
    "extra": "free-form extra settings (unused by version 1).",
}
