"""Reproduction of the published Movisie figures of a wave.

In: a wave's published-figures file and a cleaned survey table. Out: the consistency audit of the published
figures (:mod:`.audit`, with :mod:`.tolerances` saying what a rounded published number allows in whole
municipalities, and :mod:`.readings` finding by exhaustive search under which definition of the G32 breakdown
all figures fit), Wilson estimators (:mod:`.estimators`), the scorecard that sets every recomputed figure beside
the published one (:mod:`.scorecard`), and the reproduction figures (:mod:`.figures`). Across waves: the
published-figures files of all waves (and, for the panel, each wave's survey table) in; national trends with
Wilson intervals, the test of each change and the merger-stable panel on 2025 municipalities out
(:mod:`.trends`), with their figures (:mod:`.trend_figures`). Imports only
:mod:`wijkteam_stats.reference` and :mod:`wijkteam_stats.clean`.
"""
