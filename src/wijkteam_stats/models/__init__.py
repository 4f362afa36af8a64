"""Models of resident involvement against municipality size.

In: a cleaned survey table and the CBS register of the wave. Out: tidy coefficient and prediction tables,
Dutch conclusions and figures. :mod:`.frame` (model data, size joined on CBS code), :mod:`.robust` (HC0-HC3
sandwich, separation check, Firth), :mod:`.fits` (the model fits), :mod:`.predictions` (expectations per
municipality), :mod:`.tables` (the tidy tables notebook 02 and ``wijkteam models`` write), :mod:`.text`
(Dutch conclusions), :mod:`.weighting` (post-stratification, Kish ESS), :mod:`.power` (power and known-truth
recovery) and :mod:`.figures`. Imports the reference, clean, reproduce and reconstruct layers, never report
or batch.
"""
