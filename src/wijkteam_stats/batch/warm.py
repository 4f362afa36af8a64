"""Warm Jupyter kernels: start once, import the report's modules once, then run one notebook after another.

Each :class:`WarmKernel` owns a kernel process and a private thread with its own asyncio loop (the async
kernel client and nbclient run there; callers in any thread block on the result). Before every notebook the
kernel is reset (:func:`wijkteam_stats.batch._kernel.reset`), so a report equals the one a fresh kernel
produces, whatever ran before it. :class:`KernelPool` hands kernels to worker threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import signal
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from wijkteam_stats.report.notebooks import ipc_kernel_manager_class

RESET_CODE = "__import__('wijkteam_stats.batch._kernel', fromlist=['reset']).reset()"


#: Warm kernels of this process that have started and not shut down (see :func:`kill_live_kernels`).
_LIVE: weakref.WeakSet = weakref.WeakSet()


def kill_live_kernels() -> int:
    """Kill every warm kernel process of this process at once and remove its connection file (which holds
    the kernel's HMAC key); for an immediate exit. Returns how many were killed."""
    n = 0
    for k in list(_LIVE):
        pid = k.pid
        if pid is not None:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                n += 1
        cf = getattr(k.km, "connection_file", None)
        if cf:
            with contextlib.suppress(OSError):
                os.unlink(cf)
    return n


class KernelCodeError(RuntimeError):
    """Setup or reset code failed inside a warm kernel."""


@dataclass
class CellFailure(Exception):
    """A notebook cell raised: its index in the executed notebook, exception name and message."""

    cell_index: int
    ename: str
    evalue: str
    traceback: str = ""

    def __str__(self) -> str:
        return f"cell {self.cell_index}: {self.ename}: {self.evalue}"


class WarmKernel:
    """One kernel process kept warm across notebooks (see the module docstring)."""

    def __init__(self, kernel_name: str = "python3", timeout: int = 600, startup_timeout: int = 120,
                 modules: tuple[str, ...] | None = None, warm_wave: int | None = None):
        self.kernel_name = kernel_name
        self.timeout = timeout
        self.startup_timeout = startup_timeout
        self.modules = modules
        self.warm_wave = warm_wave
        self.km: Any = None
        self.kc: Any = None
        self.language_info: dict[str, Any] = {}
        self.notebooks_run = 0
        #: wall seconds of the last notebook: the reset, then every cell (a kernel round trip each)
        self.last_timing: dict[str, Any] = {}
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="warm-kernel", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ plumbing
    def _call(self, coro, timeout: float | None = None):
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    async def _run_code(self, code: str, timeout: float) -> None:
        outputs: list[dict] = []

        def hook(msg: dict) -> None:
            if msg["msg_type"] in ("stream", "error"):
                outputs.append(msg["content"])

        reply = await self.kc.execute_interactive(code, silent=False, store_history=False, timeout=timeout,
                                                  output_hook=hook, allow_stdin=False)
        content = reply["content"]
        if content.get("status") != "ok":
            raise KernelCodeError(f"{content.get('ename')}: {content.get('evalue')} (running {code[:80]!r})")

    async def _start(self) -> None:
        self.km = ipc_kernel_manager_class()(kernel_name=self.kernel_name)  # IPC sockets, not plain TCP
        # a private in-memory command history: kernels of a pool must not share (and lock) one sqlite file
        await self.km.start_kernel(extra_arguments=["--HistoryManager.hist_file=:memory:"])
        _LIVE.add(self)  # from the moment the process exists: a hard exit during set-up kills it too
        self.kc = self.km.client()
        self.kc.start_channels()
        await self.kc.wait_for_ready(timeout=self.startup_timeout)
        info = await self.kc.kernel_info(reply=True, timeout=self.startup_timeout)
        self.language_info = dict(info["content"].get("language_info", {}))
        mods = "None" if self.modules is None else repr(tuple(self.modules))
        setup = ("__import__('wijkteam_stats.batch._kernel', fromlist=['setup']).setup("
                 + ("" if self.modules is None else f"modules={mods}, ")
                 + f"warm_wave={self.warm_wave!r})")
        await self._run_code(setup, timeout=self.startup_timeout)

    async def _shutdown(self) -> None:
        if self.kc is not None:
            self.kc.stop_channels()
        if self.km is not None:
            try:
                await self.km.shutdown_kernel(now=False)
            except Exception:  # noqa: BLE001 - best effort: kill
                await self.km.shutdown_kernel(now=True)
        _LIVE.discard(self)
        self.km = self.kc = None

    async def _execute(self, nb) -> Any:
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError

        t0 = time.perf_counter()
        await self._run_code(RESET_CODE, timeout=self.timeout)
        self.last_timing = {"reset": time.perf_counter() - t0, "cells": []}
        client = NotebookClient(nb, km=self.km, kernel_name=self.kernel_name, timeout=self.timeout,
                                allow_errors=False, interrupt_on_timeout=True, record_timing=False)
        client.kc = self.kc
        client.reset_execution_trackers()
        nb.metadata["language_info"] = self.language_info
        for index, cell in enumerate(nb.cells):
            t0 = time.perf_counter()
            try:
                await client.async_execute_cell(cell, index)
                self.last_timing["cells"].append(time.perf_counter() - t0)
            except CellExecutionError as err:
                raise CellFailure(index, str(getattr(err, "ename", type(err).__name__)),
                                  str(getattr(err, "evalue", err)), str(err)) from None
            except asyncio.CancelledError:
                raise
            except Exception as err:  # noqa: BLE001 - dead kernel, timeout: report with the cell
                raise CellFailure(index, type(err).__name__, str(err).strip() or repr(err)) from None
        self.notebooks_run += 1
        return nb

    # ------------------------------------------------------------------ public
    def start(self) -> WarmKernel:
        """Start the kernel and run the setup (imports, font cache, snapshots); returns self."""
        self._call(self._start())
        return self

    def execute(self, nb) -> Any:
        """Reset the kernel, then execute every cell of ``nb`` in place; raises :class:`CellFailure`."""
        return self._call(self._execute(nb))

    def restart(self) -> None:
        """Replace the kernel process by a new warm one (after a crash or timeout)."""
        self._call(self._shutdown())
        self._call(self._start())

    def is_alive(self) -> bool:
        """Whether the kernel process is running."""
        return self.km is not None and bool(self._call(self.km.is_alive()))

    @property
    def pid(self) -> int | None:
        """Process id of the kernel (None when it is not running)."""
        prov = getattr(self.km, "provisioner", None)
        proc = getattr(prov, "process", None)
        return getattr(proc, "pid", None)

    def rss_mb(self) -> float | None:
        """Resident memory of the kernel process in MB (None when unknown)."""
        pid = self.pid
        if pid is None:
            return None
        try:
            import psutil

            return psutil.Process(pid).memory_info().rss / 2**20
        except Exception:  # noqa: BLE001 - psutil missing or process gone
            return None

    def shutdown(self) -> None:
        """Stop the kernel and the private loop thread."""
        if self._loop.is_closed():
            return
        try:
            self._call(self._shutdown(), timeout=60)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop.close()

    def __enter__(self) -> WarmKernel:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.shutdown()


class KernelPool:
    """Up to ``size`` warm kernels, started in parallel, lent to one caller at a time."""

    def __init__(self, size: int, **kernel_kw: Any):
        self.size = max(1, int(size))
        self.kernel_kw = kernel_kw
        self.kernels: list[WarmKernel] = []
        self._free: queue.Queue[WarmKernel] = queue.Queue()

    def start(self) -> KernelPool:
        """Start all kernels concurrently."""
        from concurrent.futures import ThreadPoolExecutor

        kernels = [WarmKernel(**self.kernel_kw) for _ in range(self.size)]
        self.kernels.extend(kernels)
        with ThreadPoolExecutor(self.size) as ex:
            list(ex.map(WarmKernel.start, kernels))
        for k in kernels:
            self._free.put(k)
        return self

    @contextmanager
    def kernel(self) -> Iterator[WarmKernel]:
        """Borrow a kernel; a kernel that died or timed out is restarted before it is returned."""
        k = self._free.get()
        try:
            yield k
        finally:
            try:
                if not k.is_alive():
                    k.restart()
            finally:
                self._free.put(k)

    def rss_mb(self) -> list[float | None]:
        """Resident memory per kernel in MB."""
        return [k.rss_mb() for k in self.kernels]

    def shutdown(self) -> None:
        """Stop every kernel."""
        for k in self.kernels:
            k.shutdown()
        self.kernels.clear()

    def __enter__(self) -> KernelPool:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.shutdown()
