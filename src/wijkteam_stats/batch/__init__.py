"""Batch runner for the per-municipality reports: jobs, incremental builds, warm kernels, executors.

- :mod:`.params`: validate report parameters (``municipality_code`` -> ``GMxxxx`` via ``resolve``);
- :mod:`.runner`: plan jobs, input hashing, manifest, ``run_summary.csv``, atomic writes, the progress bar;
- :mod:`.warm`: a pool of warm Jupyter kernels that re-run the report notebook per municipality;
- :mod:`.executors`: local pool (default) and ``dask.distributed`` execution of the same jobs.
"""
