"""SYNTHETIC reconstruction of a survey wave from its published figures (Movisie's microdata is not public).

One engine for every wave, :mod:`.generic`: the published file, the codebook and the wave settings alone drive
a scipy MILP over cells of municipalities (every published figure within its rounding) and a seeded assignment;
:mod:`.shipped` writes the shipped raw export and its sidecar. The older detailed model built around 2015's
anchors (:mod:`.feasibility` + :mod:`.generator`) no longer writes any shipped file; it drives the known-truth
surveys of :mod:`.simulate` (model checks). The result is NOT Movisie's data: only the published aggregates are
real.
"""

from wijkteam_stats.reconstruct.feasibility import Aggregates, ReconstructionError, solve_aggregates
from wijkteam_stats.reconstruct.generator import Reconstruction, reconstruct, reconstruct_tidy
from wijkteam_stats.reconstruct.params import (
    DEFAULT_SEED,
    GENERATOR_VERSION,
    PARAM_DOCS,
    ReconstructionParams,
)
from wijkteam_stats.reconstruct.simulate import simulate_survey

__all__ = [
    "DEFAULT_SEED", "GENERATOR_VERSION", "PARAM_DOCS", "Aggregates", "Reconstruction", "ReconstructionError",
    "ReconstructionParams", "reconstruct", "reconstruct_tidy", "simulate_survey", "solve_aggregates",
]
