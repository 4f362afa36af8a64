"""Municipality of a response: CBS code or free-text name, resolved for the wave's register year.

A code or (folded) name of a municipality in the register of that year is taken as is; anything else goes
through :func:`wijkteam_stats.reference.municipalities.resolve`. An ambiguous or unknown name is never guessed.
A qualifier is used, never dropped: a province in brackets or as a last short word ("Bergen (NH)", "Bergen L",
"Hengelo (Gld)") and a province column choose among same-named municipalities, and a resolved municipality
whose province disagrees with them is not taken (the reason names both readings).
Test responses are recognised by the municipality cell: after folding ("Gemeente " dropped, case, accents)
it starts with the word test / proef / dummy (also glued, "testgemeente", "test123") followed by at most
two more words ("TEST 2", "Gemeente Test", "test omgeving").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wijkteam_stats.reference import municipalities as m

_QUALIFIER = re.compile(r"^(?P<base>.*?\S)[\s,]*(?:\((?P<par>[^()]+)\)|\s(?P<tok>[A-Za-z]{1,3})\.?)\s*$")
TEST_NAME = re.compile(r"^(?:test|proef|dummy)\w*(?: \w+){0,2}$")
_CODE = re.compile(r"(?i)^\s*(?:gm)?\s*(\d{1,4})(?:\.0)?\s*$")


def is_test_name(text: str) -> bool:
    """True if a municipality cell marks a test response ("test", "Gemeente Test", "TEST 2", ...)."""
    return bool(TEST_NAME.match(m.normalize_name(text)))


def _province(text: str) -> str | None:
    """The PVxx code of a province name or abbreviation ("NH", "Gld", "L."), else None."""
    try:
        return m._province_code(text.strip().rstrip("."))
    except ValueError:
        return None


@dataclass(frozen=True)
class Resolution:
    """The outcome of resolving one municipality cell."""

    code: str | None
    reason: str | None = None
    candidates: tuple[str, ...] = ()


class MunicipalityResolver:
    """Resolve municipality cells for one register year, caching per distinct text."""

    def __init__(self, year: int):
        self.year = int(year)
        reg = m.register(self.year)
        self.codes = set(reg["gm_code"])
        self.by_name = {m.normalize_name(n): c for n, c in zip(reg["name"], reg["gm_code"], strict=True)}
        self._cache: dict[str, Resolution] = {}

        self.province_of = dict(zip(reg["gm_code"], reg["province_code"], strict=True))
        self.label_of = {c: f"{c} ({n}, {p})" for c, n, p in zip(reg["gm_code"], reg["name"], reg["province"],
                                                                 strict=True)}

    def __call__(self, text: str, province: str | None = None) -> Resolution:
        key = (text, province or "")
        if key not in self._cache:
            self._cache[key] = self._qualified(text, (province or "").strip())
        return self._cache[key]

    def written_as(self, text: str) -> str:
        """What a cell names before any interpretation: the code of a code or an exact register name, else
        the normalised text (so "GM0344", "344" and "Utrecht" are one writing, "Bergen L" another)."""
        parts = [p.strip() for p in text.split(" / ") if p.strip()]
        out = []
        for p in parts:
            code_match = _CODE.match(p)
            if code_match:
                out.append(f"GM{int(code_match.group(1)):04d}")
            else:
                out.append(self.by_name.get(m.normalize_name(p), m.normalize_name(p)))
        return " / ".join(sorted(set(out)))

    def _qualified(self, text: str, province: str) -> Resolution:
        """Resolve, then check the result against every qualifier: a bracketed/trailing province in the text
        and the province column."""
        quals: list[tuple[str, str]] = []  # (as written, PVxx)
        base = text
        m_q = _QUALIFIER.match(text)
        if m_q:
            q = m_q.group("par") or m_q.group("tok")
            pv = _province(q)
            if pv:
                quals.append((q.strip(), pv))
                base = m_q.group("base")
        if province:
            pv = _province(province)
            if pv is None:
                return Resolution(None, f"the province column holds '{province}', not a province; not guessed")
            quals.append((province, pv))
        res = self._resolve(text)
        if res.code is None and quals:
            try:
                res = Resolution(m.resolve(base, year=self.year, province=quals[-1][1]))
            except (LookupError, ValueError):
                return res
        if res.code is None:
            return res
        have = self.province_of.get(res.code)
        for written, pv in quals:
            if have and pv != have:
                return Resolution(
                    None, f"the name reads as {self.label_of.get(res.code, res.code)}, but '{written}' names "
                    f"province {m.PROVINCES.get(pv, pv)}; the readings disagree; not guessed", (res.code,))
        return res

    def _resolve(self, text: str) -> Resolution:
        """Resolve one municipality cell by code or name alone."""
        code_match = _CODE.match(text)
        if code_match:
            code = f"GM{int(code_match.group(1)):04d}"
            if code in self.codes:
                return Resolution(code)
        else:
            code = self.by_name.get(m.normalize_name(text))
            if code is not None:
                return Resolution(code)
        try:
            code = m.resolve(text, year=self.year)
        except m.AmbiguousMunicipalityError as err:
            return Resolution(None, f"ambiguous municipality in {self.year}; not guessed", tuple(err.candidates))
        except LookupError as err:
            cands = tuple(getattr(err, "candidates", ()) or ())
            what = "unknown municipality code" if code_match else "unknown municipality name"
            return Resolution(None, f"{what} in {self.year}; not guessed", cands)
        return Resolution(code, self._former(text, code))

    def _former(self, text: str, code: str) -> str | None:
        """A note when the cell names a municipality of another year's register (merged since): the mapping to
        ``code`` is then reported, never made silently."""
        key = m.normalize_name(text)
        for year in m.YEARS:
            if year == self.year:
                continue
            reg = m.register(year)
            hit = reg[[m.normalize_name(n) == key for n in reg["name"]]]
            if len(hit) and code not in set(hit["gm_code"]):
                return (f"gemeente: '{text}' is {hit['gm_code'].iloc[0]} on the {year} register, not a municipality "
                        f"in {self.year}; read as its successor {self.label_of.get(code, code)}")
        return None
