"""The reference layer: what every pipeline stage knows before any survey is read.

In: the read-only files under ``data/raw/`` (CBS registers and boundaries, the published figures of each wave,
the codebook). Out: typed, validated Python objects. :mod:`.paths` (the project's absolute paths),
:mod:`.municipalities` (CBS register per year, ``resolve`` for codes and names, the crosswalk to 2025),
:mod:`.codebook` (the survey's variables, answers and aliases; per wave with ``for_wave``), :mod:`.published`
(published-figures files, pandera-validated, with the open vocabulary of topics and verbal rules),
:mod:`.wave_settings` (``data/raw/waves.yaml``, validated), :mod:`.waves` (per-wave facts: settings, register
year, G32/G4 groups under a reading, default survey file, expectations file, report seed), :mod:`.provenance` (whether data are synthetic, from their provenance record), :mod:`.rawdata`
(checks of ``data/raw``), and the shared output helpers :mod:`.writers` (atomic, formula-safe files) and
:mod:`.figures` (plot style, palette, captions, PNG + SVG export) with :mod:`.figure_checks` (every saved figure
checked: overlapping or clipped text, squashed plots, caption n and colours). It imports no other layer.
"""
