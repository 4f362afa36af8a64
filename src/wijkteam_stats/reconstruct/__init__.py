"""SYNTHETIC reconstruction of a survey wave from its published figures (Movisie's microdata is not public).

Two steps: :mod:`.feasibility` chooses aggregate integer counts meeting every published figure within its
tolerance (scipy MILP); :mod:`.generator` assigns them to municipalities with seeded randomness. That detailed
model uses the 2015 anchors (total teams, the leading city); :mod:`.generic` reconstructs any wave from its
published file, the codebook and the wave settings alone (2014, 2017, new waves).
:mod:`.simulate` draws known-truth surveys for model checks; :mod:`.shipped` writes the shipped raw export.
The result is NOT Movisie's data: only the published aggregates are real.
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
