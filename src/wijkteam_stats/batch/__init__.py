"""Batch runner for the per-municipality reports: jobs, incremental builds, warm kernels, executors.

In: the report notebook and its inputs (survey table, register, expectations). Out: one HTML and one JSON
per municipality, ``outputs/manifest.json`` and ``run_summary.csv``. :mod:`.params` validates report
parameters; :mod:`.build` builds one report (warm kernel or papermill); :mod:`.runner` plans jobs, hashes
inputs, keeps the manifest and the progress bar; :mod:`.warm` is the warm-kernel pool; :mod:`.executors` runs
jobs locally or on ``dask.distributed``. Imports the report layer and below, never the commands.
"""
