"""Reproduction of the published Movisie figures of a wave.

In: a wave's published-figures file and a cleaned survey table. Out: the consistency audit of the published
figures (:mod:`.audit`, with :mod:`.tolerances` saying what a rounded published number allows in whole
municipalities), Wilson estimators (:mod:`.estimators`), the scorecard that sets every recomputed figure beside
the published one (:mod:`.scorecard`), and the reproduction figures (:mod:`.figures`). Imports only
:mod:`wijkteam_stats.reference` and :mod:`wijkteam_stats.clean`.
"""
