"""Rendered figures reused by their content: a figure drawn once per process, not once per report.

Many report figures are the same for every municipality of a size class (peers beside the national figures).
:func:`cached_render` keys a figure by its *content* — a SHA-256 over the pickled figure (every artist, text,
colour and position; the per-process transform links, which hold memory addresses, left out), the render
arguments and the matplotlib settings — and returns the bytes rendered before for that key. Equal keys mean
equal figures, so the result is byte-identical to rendering it again; a figure that cannot be pickled is simply
rendered. Nothing decides by municipality, size class or wave: new or changed figures need no rules here.
"""

from __future__ import annotations

import copyreg
import hashlib
import io
import pickle
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

import matplotlib
import matplotlib.pyplot as plt
from matplotlib import transforms

T = TypeVar("T")
#: Rendered results kept per process (a batch has a few dozen distinct shared figures).
MAX_ENTRIES = 256
_CACHE: OrderedDict[str, Any] = OrderedDict()
#: Hits and misses of this process (for the benchmark).
STATS = {"hits": 0, "misses": 0, "unkeyed": 0}


def _all_subclasses(cls: type) -> set[type]:
    out = set()
    for sub in cls.__subclasses__():
        out |= {sub} | _all_subclasses(sub)
    return out


def _rebuild(name: str, *_args: Any) -> None:  # never called: keys are hashed, not unpickled
    raise RuntimeError(name)


def _transform_reducer(node: transforms.TransformNode):
    state = {k: v for k, v in node.__getstate__().items() if k != "_parents"}  # {id(parent): weakref}
    return _rebuild, (type(node).__qualname__,), state


def _dispatch_table() -> dict[type, Callable]:
    table = dict(copyreg.dispatch_table)
    for cls in {transforms.TransformNode, *_all_subclasses(transforms.TransformNode)}:
        table[cls] = _transform_reducer
    return table


def figure_key(fig: Any, *extra: Any) -> str | None:
    """SHA-256 of a figure's content, ``extra`` render arguments and the matplotlib settings; None when the
    figure cannot be pickled (then it is not cached)."""
    buf = io.BytesIO()
    pickler = pickle.Pickler(buf, protocol=5)
    pickler.dispatch_table = _dispatch_table()
    try:
        pickler.dump(fig)
    except Exception:  # noqa: BLE001 - unpicklable artists: render without the cache
        return None
    h = hashlib.sha256(buf.getvalue())
    h.update(repr((extra, sorted((k, repr(v)) for k, v in matplotlib.rcParams.items()))).encode())
    return h.hexdigest()


def cached_render(fig: Any, render: Callable[..., T], *args: Any) -> T:
    """``render(fig, *args)`` (which must close the figure), or the result of an earlier figure with the same
    content and arguments (then ``fig`` is closed here)."""
    key = figure_key(fig, f"{render.__module__}.{render.__qualname__}", *args)
    if key is None:
        STATS["unkeyed"] += 1
        return render(fig, *args)
    if key in _CACHE:
        STATS["hits"] += 1
        _CACHE.move_to_end(key)
        plt.close(fig)
        return _CACHE[key]
    STATS["misses"] += 1
    result = render(fig, *args)
    _CACHE[key] = result
    while len(_CACHE) > MAX_ENTRIES:
        _CACHE.popitem(last=False)
    return result


def clear() -> None:
    """Forget every cached figure."""
    _CACHE.clear()
