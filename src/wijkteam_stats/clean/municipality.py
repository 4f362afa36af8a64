"""Municipality of a response: CBS code or free-text name, resolved for the wave's register year.

A code or (folded) name of a municipality in the register of that year is taken as is; anything else goes
through :func:`wijkteam_stats.reference.municipalities.resolve`. An ambiguous or unknown name is never guessed.
Test responses are recognised by the municipality cell: after folding ("Gemeente " dropped, case, accents)
it starts with the word test / proef / dummy (also glued, "testgemeente", "test123") followed by at most
two more words ("TEST 2", "Gemeente Test", "test omgeving").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wijkteam_stats.reference import municipalities as m

TEST_NAME = re.compile(r"^(?:test|proef|dummy)\w*(?: \w+){0,2}$")
_CODE = re.compile(r"(?i)^\s*(?:gm)?\s*(\d{1,4})(?:\.0)?\s*$")


def is_test_name(text: str) -> bool:
    """True if a municipality cell marks a test response ("test", "Gemeente Test", "TEST 2", ...)."""
    return bool(TEST_NAME.match(m.normalize_name(text)))


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

    def __call__(self, text: str) -> Resolution:
        if text not in self._cache:
            self._cache[text] = self._resolve(text)
        return self._cache[text]

    def _resolve(self, text: str) -> Resolution:
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
            return Resolution(m.resolve(text, year=self.year))
        except m.AmbiguousMunicipalityError as err:
            return Resolution(None, f"ambiguous municipality in {self.year}; not guessed", tuple(err.candidates))
        except LookupError as err:
            cands = tuple(getattr(err, "candidates", ()) or ())
            what = "unknown municipality code" if code_match else "unknown municipality name"
            return Resolution(None, f"{what} in {self.year}; not guessed", cands)
