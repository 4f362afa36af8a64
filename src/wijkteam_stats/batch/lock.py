"""One run at a time per outputs folder: a lock file (``filelock``) held for the whole run.

The lock is an OS file lock (``flock``) on ``<outputs>/.wijkteam.lock``: the system releases it when the
holding process ends, however it ends (even ``kill -9``), so a crashed run never blocks the next one. Next to
it ``.wijkteam.lock.owner`` says which process holds it (for the waiting message). A second run waits with a
message; with a ``timeout`` it gives up after that many seconds with :class:`OutputsBusy` (``0``: at once).
The lock is re-entrant within one thread: ``wijkteam pipeline`` holds it for all its steps, and the steps
(``reports``, ``site``), which take it too, run inside that hold (another thread still waits).
"""

from __future__ import annotations

import json
import os
import socket
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout

from wijkteam_stats.reference.writers import atomic_write_text

LOCK_NAME = ".wijkteam.lock"
OWNER_NAME = ".wijkteam.lock.owner"
#: (folder, thread) whose lock this process holds, with the depth of nested holds.
_HELD: dict[tuple[Path, int], int] = {}
_HELD_GUARD = threading.Lock()


class OutputsBusy(RuntimeError):
    """Another run holds the outputs folder's lock (and did not release it within the timeout)."""


class OutputsNotWritable(PermissionError):
    """The outputs folder cannot be written (read-only file system, permissions)."""


def _owner(outputs_dir: Path) -> str:
    try:
        info = json.loads((outputs_dir / OWNER_NAME).read_text(encoding="utf-8"))
        return f"process {info['pid']} on {info['host']}, running `{info['command']}` since {info['since']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "another process"


def ensure_writable(folder: Path) -> Path:
    """Create ``folder`` if needed; :class:`OutputsNotWritable` naming it when that or writing fails."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputsNotWritable(f"cannot create the outputs folder {folder}: {err.strerror}") from None
    try:  # try it: permission bits do not tell (read-only mounts; root ignores them)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=f".probe.{os.getpid()}.", suffix=".tmp")
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        raise OutputsNotWritable(f"the outputs folder {folder} is not writable ({err.strerror}); make it "
                                 "writable or choose another one with --outputs") from None
    return folder


@contextmanager
def outputs_lock(outputs_dir: str | Path, *, timeout: float | None = None, command: str = "wijkteam",
                 say: Callable[[str], None] | None = print) -> Iterator[Path]:
    """Hold the lock of ``outputs_dir`` for the ``with`` block (see the module docstring).

    ``timeout``: None waits as long as it takes; a number of seconds (0: do not wait) raises
    :class:`OutputsBusy` when the folder is still busy by then.
    """
    folder = ensure_writable(Path(outputs_dir).resolve())
    held = (folder, threading.get_ident())
    with _HELD_GUARD:
        nested = held in _HELD
        if nested:
            _HELD[held] += 1
    if nested:  # this process holds it already (a pipeline step): run inside that hold
        try:
            yield folder
        finally:
            with _HELD_GUARD:
                _HELD[held] -= 1
        return
    lock = FileLock(str(folder / LOCK_NAME))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        holder = _owner(folder)
        if timeout is not None and timeout <= 0:
            raise OutputsBusy(f"{folder} is in use by {holder}; try again when it has finished") from None
        if say:
            wait = "until it finishes" if timeout is None else f"up to {timeout:g} s"
            say(f"waiting for the other run on {folder} to finish ({holder}); waiting {wait}, Ctrl-C cancels")
        try:
            lock.acquire(timeout=-1 if timeout is None else timeout)
        except Timeout:
            raise OutputsBusy(f"{folder} is still in use by {_owner(folder)} after {timeout:g} s; "
                              "try again when it has finished") from None
    except PermissionError as err:
        raise OutputsNotWritable(f"cannot create the lock file in {folder}: {err.strerror}") from None
    try:
        atomic_write_text(folder / OWNER_NAME, json.dumps({
            "pid": os.getpid(), "host": socket.gethostname(), "command": command,
            "since": datetime.now(UTC).isoformat(timespec="seconds")}) + "\n")
        with _HELD_GUARD:
            _HELD[held] = 1
        yield folder
    finally:
        with _HELD_GUARD:
            _HELD.pop(held, None)
        (folder / OWNER_NAME).unlink(missing_ok=True)
        lock.release()
