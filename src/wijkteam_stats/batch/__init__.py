"""Batch runner for the per-municipality reports: jobs, incremental builds, warm kernels, executors.

In: the report notebook and its inputs (survey table, register, expectations). Out: one HTML and one JSON
per municipality, ``outputs/manifest.json`` and ``run_summary.csv``. :mod:`.params` validates report
parameters; :mod:`.build` builds one report (warm kernel or papermill); :mod:`.runner` plans jobs, hashes
inputs, publishes each report's HTML and JSON together, handles SIGINT/SIGTERM and draws the progress bar;
:mod:`.manifest` reads, verifies, repairs and updates ``manifest.json`` (one journal line per report);
:mod:`.lock` allows one run at a time per outputs folder; :mod:`.inputs` checks the shared inputs before any
report runs; :mod:`.warm` is the warm-kernel pool; :mod:`.executors` runs jobs locally or on
``dask.distributed``. Imports the report layer and below, never the commands.
"""
