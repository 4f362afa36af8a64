"""Panel figures: a published share of this wave's respondents who also answered an earlier wave.

A row is a panel row when its ``variable`` is a derived variable of kind ``panel`` in the codebook (e.g.
``also_answered``); the earlier wave is the four-digit year in its ``category`` ("also answered wave 2015").
Municipalities are linked across waves through the CBS crosswalk to the 2025 municipalities
(``data/raw/cbs/crosswalk_gemeente_naar_2025.csv``, main link: a split municipality counts where most of its
territory went), so a merger between the waves does not break the link.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from wijkteam_stats.reference.codebook import Codebook
from wijkteam_stats.reference.municipalities import crosswalk

_YEAR = re.compile(r"\b((?:19|20)\d{2})\b")


def panel_wave(row: object, cb: Codebook) -> int | None:
    """The earlier wave a panel row refers to, or None when the row is not a panel row."""
    spec = cb.derived.get(str(getattr(row, "variable", "")))
    if not spec or spec.get("kind") != "panel":
        return None
    m = _YEAR.search(str(getattr(row, "category", "")))
    if m is None:
        raise ValueError(f"{getattr(row, 'finding_id', '?')}: a panel row names the earlier wave in its category "
                         "(e.g. 'also answered wave 2015')")
    return int(m.group(1))


def _main_2025(codes: Iterable[str], year: int) -> pd.Series:
    cw = crosswalk()
    cw = cw[(cw["van_jaar"] == int(year)) & cw["hoofdkoppeling"].astype(bool)]
    return cw.set_index("van_gm_code")["naar_gm_code_2025"].reindex(sorted({str(c) for c in codes}))


def linked(codes: Iterable[str], year: int, earlier_codes: Iterable[str], earlier_year: int) -> set[str]:
    """The codes (of register ``year``) whose 2025 municipality also holds a code of ``earlier_codes`` (of
    register ``earlier_year``): the municipalities that answered both waves."""
    now = _main_2025(codes, year)
    before = set(_main_2025(earlier_codes, earlier_year).dropna())
    return {c for c, t in now.items() if pd.notna(t) and t in before}
