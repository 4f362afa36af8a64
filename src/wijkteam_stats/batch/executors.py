"""Where report jobs run: a local pool (default, no server) or an existing dask.distributed cluster.

Both call the same build functions (:func:`~wijkteam_stats.batch.build.build_warm` /
:func:`~wijkteam_stats.batch.build.build_papermill`) and hand each :class:`JobResult` (with the HTML text) to
the caller, which writes files and the manifest in one place.

* ``LocalExecutor``: ``workers`` threads; with the ``warm`` engine each thread borrows one of ``workers``
  warm kernels (separate processes), with ``papermill`` each report starts its own kernel.
* ``DaskExecutor`` (``dask://HOST:PORT``): one task per report. With the ``warm`` engine every worker
  process keeps warm kernels (one per concurrently running task) for the duration of the run; they are shut
  down at the end with ``Client.run``. Workers need this package installed and the project's data at the same
  absolute paths (a shared checkout); the HTML travels back to the client, which writes it.
"""

from __future__ import annotations

import queue
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from wijkteam_stats.batch.build import JobResult, build_papermill, build_warm
from wijkteam_stats.batch.warm import KernelPool, WarmKernel


class LocalExecutor:
    """Run jobs in ``workers`` local threads (warm kernels or papermill)."""

    def __init__(self, engine: str = "warm", workers: int = 2, warm_wave: int | None = None,
                 kernel_name: str = "python3"):
        self.engine = engine
        self.workers = max(1, int(workers))
        self.warm_wave = warm_wave
        self.kernel_name = kernel_name
        #: resident memory of the kernels (MB) right after setup and at the end of the run (warm engine)
        self.memory: dict[str, list[float | None]] = {}
        #: (reports done, total kernel memory in MB) after every report (warm engine)
        self.memory_trace: list[tuple[int, float]] = []
        #: seconds spent starting and setting up the warm kernels
        self.startup_seconds = 0.0

    def run(self, payloads: list[dict[str, Any]], notebook: Path, on_result: Callable[[JobResult], None],
            stop: threading.Event | None = None, on_start: Callable[[str], None] | None = None) -> None:
        """Build every job; ``on_result`` is called in this thread as each one finishes. Once ``stop`` is set
        no further job starts (running ones finish); ``on_start`` gets the code of each job as it starts."""
        notebook_json = Path(notebook).read_text(encoding="utf-8")
        stop = stop or threading.Event()
        if self.engine == "papermill":
            self._drain(lambda p: build_papermill(p, str(notebook)), payloads, on_result, stop, on_start)
            return
        import time

        t0 = time.perf_counter()
        pool = KernelPool(self.workers, kernel_name=self.kernel_name, warm_wave=self.warm_wave).start()
        self.startup_seconds = time.perf_counter() - t0
        try:
            self.memory["start"] = pool.rss_mb()

            def task(p: dict[str, Any]) -> JobResult:
                with pool.kernel() as k:
                    return build_warm(p, notebook_json, k)

            def traced(res: JobResult) -> None:
                on_result(res)
                self.memory_trace.append((len(self.memory_trace) + 1, sum(m or 0.0 for m in pool.rss_mb())))

            self._drain(task, payloads, traced, stop, on_start)
            self.memory["end"] = pool.rss_mb()
        finally:
            pool.shutdown()

    def _drain(self, fn: Callable[[dict[str, Any]], JobResult], payloads: list[dict[str, Any]],
               on_result: Callable[[JobResult], None], stop: threading.Event,
               on_start: Callable[[str], None] | None) -> None:
        """At most ``workers`` jobs in flight; a new one starts only while ``stop`` is not set."""
        ex = ThreadPoolExecutor(self.workers, thread_name_prefix="report")
        waiting = list(reversed(payloads))
        futures: dict[Any, dict[str, Any]] = {}
        try:
            while waiting or futures:
                while waiting and len(futures) < self.workers and not stop.is_set():
                    p = waiting.pop()
                    if on_start:
                        on_start(p["gm_code"])
                    futures[ex.submit(fn, p)] = p
                if not futures:
                    break  # stopped: the rest is not started
                done, _ = wait(futures, timeout=0.2, return_when=FIRST_COMPLETED)
                for fut in done:
                    p = futures.pop(fut)
                    try:
                        res = fut.result()
                    except Exception as err:  # noqa: BLE001 - a bug in one job fails that job only
                        res = JobResult(p["gm_code"], p["name"], "failed", 0.0, None,
                                        f"{type(err).__name__}: {err}")
                    on_result(res)
        except BaseException:
            ex.shutdown(wait=True, cancel_futures=True)
            raise
        ex.shutdown(wait=True)


# --------------------------------------------------------------------------- dask

_WORKER_LOCK = threading.Lock()
_WORKER_FREE: queue.Queue = queue.Queue()
_WORKER_ALL: list[Any] = []


def _acquire_worker_kernel(warm_wave: int | None):
    try:
        return _WORKER_FREE.get_nowait()
    except queue.Empty:
        k = WarmKernel(warm_wave=warm_wave).start()
        with _WORKER_LOCK:
            _WORKER_ALL.append(k)
        return k


def _release_worker_kernel(k) -> None:
    try:
        if not k.is_alive():
            k.restart()
    finally:
        _WORKER_FREE.put(k)


def shutdown_worker_kernels() -> int:
    """Stop the warm kernels of this (dask worker) process; returns how many there were."""
    with _WORKER_LOCK:
        kernels = list(_WORKER_ALL)
        _WORKER_ALL.clear()
    while True:
        try:
            _WORKER_FREE.get_nowait()
        except queue.Empty:
            break
    for k in kernels:
        k.shutdown()
    return len(kernels)


def dask_build(payload: dict[str, Any], notebook_json: str, engine: str, warm_wave: int | None) -> JobResult:
    """One report as a dask task (runs on a worker)."""
    if engine == "papermill":
        with tempfile.TemporaryDirectory(prefix="wijkteam-nb-") as tmp:
            nb_path = Path(tmp) / "report.ipynb"
            nb_path.write_text(notebook_json, encoding="utf-8")
            return build_papermill(payload, str(nb_path))
    k = _acquire_worker_kernel(warm_wave)
    try:
        return build_warm(payload, notebook_json, k)
    finally:
        _release_worker_kernel(k)


def dask_address(executor: str) -> str:
    """``dask://HOST:PORT`` -> ``tcp://HOST:PORT`` (other scheme URLs are passed through)."""
    if executor.startswith("dask://"):
        return "tcp://" + executor[len("dask://"):]
    if "://" not in executor:
        raise ValueError(f"executor must look like dask://HOST:PORT, got {executor!r}")
    return executor


class DaskExecutor:
    """Run jobs as tasks on an existing dask.distributed scheduler."""

    def __init__(self, address: str, engine: str = "warm", warm_wave: int | None = None):
        self.address = dask_address(address)
        self.engine = engine
        self.warm_wave = warm_wave

    def run(self, payloads: list[dict[str, Any]], notebook: Path, on_result: Callable[[JobResult], None],
            stop: threading.Event | None = None, on_start: Callable[[str], None] | None = None) -> None:
        """Submit one task per job and hand results back as they complete; once ``stop`` is set the tasks
        not yet finished are cancelled (their reports count as not started)."""
        import uuid

        from distributed import Client
        from distributed import as_completed as dask_as_completed

        notebook_json = Path(notebook).read_text(encoding="utf-8")
        client = Client(self.address, set_as_default=False)
        try:
            run_id = uuid.uuid4().hex[:8]
            by_key: dict[str, dict[str, Any]] = {}
            futures = []
            for p in payloads:
                fut = client.submit(dask_build, p, notebook_json, self.engine, self.warm_wave, pure=False,
                                    key=f"wijkteam-report-{p['gm_code']}-{run_id}")
                by_key[fut.key] = p
                futures.append(fut)
                if on_start:
                    on_start(p["gm_code"])
            for fut in dask_as_completed(futures, loop=client.loop):
                if stop is not None and stop.is_set():
                    client.cancel([f for f in futures if not f.done()])
                    break
                p = by_key[fut.key]
                try:
                    res = fut.result()
                except Exception as err:  # noqa: BLE001 - a lost worker fails that report only
                    res = JobResult(p["gm_code"], p["name"], "failed", 0.0, None,
                                    f"dask task failed: {type(err).__name__}: {err}")
                fut.release()
                on_result(res)
        finally:
            try:
                client.run(shutdown_worker_kernels)
            finally:
                client.close()


def make_executor(executor: str | None, engine: str = "warm", workers: int = 2, warm_wave: int | None = None):
    """The executor for ``--executor`` (None / ``local``: the local pool)."""
    if executor in (None, "", "local"):
        return LocalExecutor(engine=engine, workers=workers, warm_wave=warm_wave)
    return DaskExecutor(executor, engine=engine, warm_wave=warm_wave)
