"""Models of resident involvement against municipality size.

In: a cleaned survey table and the CBS register of the wave. Out: tidy coefficient and prediction tables,
Dutch conclusions and figures. :mod:`.frame` (model data, size joined on CBS code), :mod:`.robust` (HC0-HC3
sandwich, separation check, Firth with profile intervals and FLIC), :mod:`.fits` (the model fits),
:mod:`.predictions` (expectations per municipality with prediction intervals, the teams effect at several
sizes), :mod:`.joint` (stacked logit over the groups with clustered SEs, slope tests, Holm, detectable effects
in percentage points), :mod:`.checks` (overlap, influence, linearity, proportional odds, item non-response,
teams sensitivity, the teams model's curve), :mod:`.families` (declared families of tests, Holm within each,
checks worded as checks), :mod:`.recovery` (known-truth recovery of every published model), :mod:`.tables` (the tidy tables notebook 02 and ``wijkteam models`` write), :mod:`.text`
(Dutch conclusions; what is said about the data follows the provenance record), :mod:`.weighting`
(post-stratification, Kish ESS, FPC), :mod:`.power` (power and known-truth recovery) and :mod:`.figures`. Imports the reference, clean, reproduce and reconstruct layers, never report
or batch.
"""
