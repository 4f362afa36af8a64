"""Person names and street addresses found by the Dutch de-identification library ``deduce``, with municipality,
place and service names kept.

In: one free-text value. Out: spans ``(start, end, kind)`` of kind ``naam`` (deduce's ``persoon``) and
``adres`` (deduce's ``locatie`` holding a house number: "Spui 70", "Lange Voorhout 9"). deduce finds names
from its lookup lists of Dutch first names and surnames and from name patterns (initials, particles, titles),
with or without a cue word; it also tags every place ("Venray", "Den Bosch"), which would destroy the
meaning of an answer about municipalities, so:

- a ``locatie`` without a digit is never masked (places, regions, municipalities stay);
- a ``persoon`` or ``locatie`` made only of words of the CBS municipality register (1970-2025), of deduce's
  own place lists, or holding a service word ("Zorgloket", "Buurtteam", "Welzijn") is kept;
- a street and number followed by a count ("Hoofdstraat 3 teams") is kept.

deduce builds its lookup structures once (1-3 minutes) and caches them inside its installed package (in
the project's ``.venv``); the Makefile builds them at install time (:func:`build_lookups`), so a run only
loads the cache (a few seconds, once per process, on the first text that needs it).
"""

from __future__ import annotations

import logging
import re
import sys
from functools import lru_cache
from pathlib import Path

import deduce

from wijkteam_stats.reference.municipalities import code_periods

Span = tuple[int, int, str]


def _undo_deduce_logging() -> None:
    """deduce runs ``logging.basicConfig(stream=sys.stdout, level=DEBUG)`` on import (when the root logger
    has no handler yet): every later DEBUG message of any library (matplotlib's font search) would be printed,
    into the report notebooks too. Remove that handler and level again."""
    root = logging.getLogger()
    added = [h for h in root.handlers if isinstance(h, logging.StreamHandler) and h.stream is sys.stdout]
    if root.level == logging.DEBUG and len(root.handlers) == 1 and added:
        root.removeHandler(added[0])
        root.setLevel(logging.WARNING)


_undo_deduce_logging()

#: Words (lower case, or their endings) that name a service, team or organisation, not a person.
#: A word ending in one of these is a service word ("Buurtteam", "Zorgloket", "Klantcontactcentrum").
SERVICE_WORDS = (
    "team", "teams", "loket", "zorg", "welzijn", "servicepunt", "steunpunt", "centrum", "gezin", "jeugd",
    "wonen", "werk", "inkomen", "samenleving", "domein", "sociaal", "sociale", "stichting", "afdeling",
    "gemeente", "wijk", "buurt", "buurthuis", "wijkhuis", "cliëntenraad", "wmo-raad", "adviesraad", "bureau",
    "dienst", "thuis", "veilig", "humanitas", "mee", "ggd", "cjg", "wmo", "groep", "platform", "netwerk",
    "kracht", "leefbaarheid", "college", "regio", "gebied", "werkplein", "kruis", "zonnebloem", "kern",
)
_SERVICE = re.compile(r"(?i)(?:" + "|".join(sorted(SERVICE_WORDS, key=len, reverse=True)) + r")(?:-\w+)?\Z")
#: Words deduce takes for a first name that here are abbreviations ("Max. 3 maanden").
NOT_PERSONS = frozenset({"max", "min", "ca", "nr", "tel", "zie", "mevrouw", "meneer"})
_ARTICLE_BEFORE = re.compile(r"(?i)(?:^|\W)(?:de|het|'t|st\.|sint)[ \t]+\Z")
#: Nouns that make "Hoofdstraat 3 teams" a count, not an address.
COUNT_NOUNS = frozenset({
    "team", "teams", "wijkteams", "keer", "dagen", "dag", "medewerkers", "vrijwilligers", "professionals",
    "fte", "kernen", "wijken", "locaties", "uur", "weken", "maanden", "jaar", "procent", "personen",
    "cliënten", "clienten", "huishoudens", "inwoners", "gemeenten", "teamleden", "leden",
})
_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['’-](?=[^\W\d_]))*")
_NEXT_WORD = re.compile(r"[ \t]{1,3}([^\W\d_]+)")
_LOOKUP_PATH = Path(deduce.__file__).parent / "data" / "lookup"


@lru_cache(maxsize=1)
def _engine() -> deduce.Deduce:
    return deduce.Deduce()


def build_lookups() -> None:
    """Build (or load) deduce's lookup structures once, so later runs only read its cache."""
    _engine()


def _read_list(*parts: str) -> set[str]:
    path = _LOOKUP_PATH.joinpath("src", *parts, "items.txt")
    with open(path, encoding="utf-8") as fh:
        return {line.strip().lower() for line in fh if line.strip()}


@lru_cache(maxsize=1)
def place_names() -> frozenset[str]:
    """Lower-case names of every municipality of the CBS register (1970-2025) and of deduce's place lists
    (residences, municipalities, provinces, regions), plus everyday names ("den bosch")."""
    names = set(code_periods()["name"].dropna().astype(str).str.lower())
    for sub in ("lst_residence", "lst_municipality", "lst_province", "lst_region"):
        names |= _read_list("locations", "lst_placename", sub)
    return frozenset(names | {"den bosch", "s-hertogenbosch"})


def is_place_name(text: str) -> bool:
    """Whether ``text`` is a place name, or several joined by commas or "en", each perhaps with a compass
    word ("Amsterdam Zuid", "Leeuwarden en Smallingerland")."""
    parts = [p.strip() for p in re.split(r",|\ben\b|/", text.lower()) if p.strip()]
    if not parts:
        return False
    for p in parts:
        words = p.split()
        while len(words) > 1 and words[-1] in _COMPASS:
            words.pop()
        if " ".join(words) not in place_names():
            return False
    return True


@lru_cache(maxsize=1)
def municipality_names() -> frozenset[str]:
    """Lower-case names of every municipality of the CBS register (1970-2025)."""
    return frozenset(code_periods()["name"].dropna().astype(str).str.lower())


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """deduce's lists of common Dutch words and stop words (lower case): a known first name that is also a
    word ("bos", "punt") is matched only when capitalised."""
    return frozenset(_read_list("whitelist", "lst_common_word") | _read_list("whitelist", "lst_stop_word"))


#: Organisations named after a person (lower case): never masked as a name.
ORGANISATIONS = frozenset({
    "reinier van arkel", "mondriaan", "prinses máxima centrum", "emma kinderziekenhuis", "ipse de bruggen",
    "philadelphia", "cordaan", "amarant", "dichterbij", "pluryn", "parnassia", "arkin", "altrecht",
    "lentis", "yulius", "rivierduinen", "pro persona", "karakter", "accare", "levvel", "ambiq", "sherpa",
    "willem van den bergh", "jan van neck", "johannes wier", "antonius", "wilhelmina kinderziekenhuis",
    "sophia kinderziekenhuis", "juliana kinderziekenhuis", "beatrix kinderziekenhuis", "maasstad",
    "jeroen bosch ziekenhuis", "albert schweitzer ziekenhuis", "rode kruis", "leger des heils",
})


def is_organisation(name: str) -> bool:
    """Whether ``name`` (words as written) is an organisation named after a person ("Reinier van Arkel")."""
    return " ".join(name.lower().split()) in ORGANISATIONS


def _end_of_words(text: str, n: int) -> int:
    """End of the ``n``-th word of ``text`` (0 when there are fewer)."""
    found = list(_WORD.finditer(text))
    return found[n - 1].end() if 0 < n <= len(found) else 0


def is_service(words: list[str]) -> bool:
    """Whether one of ``words`` names a service, team or organisation ("Zorgloket", "Buurtteam")."""
    return any(_SERVICE.search(w) for w in words)


def is_place_or_service(words: list[str]) -> bool:
    """Whether ``words`` make a place name ("Den Bosch", "Venray") or hold a service word ("Buurtteam")."""
    return is_place_name(" ".join(words)) or is_service(words)


def is_address(text: str, start: int, end: int, words: list[str]) -> bool:
    """Whether a name and number at ``text[start:end]`` is a street address: not a count ("Hoofdstraat 3
    teams"), a year ("Stationsweg 2015"), a municipality ("Schiedam 4") or a service ("Werkplein 2")."""
    nxt = _NEXT_WORD.match(text, end)
    if nxt and nxt.group(1).lower() in COUNT_NOUNS:
        return False
    number = re.search(r"\d+", text[start:end])
    if number and len(number.group()) == 4 and 1900 <= int(number.group()) <= 2099:
        return False
    name = " ".join(words).lower()
    if name in municipality_names() or all(w.lower() in _COMPASS for w in words):
        return False
    return not is_service(words)


# The last number of an address with its house letter or postcode letters ("12a", "1234 AB").
_LAST_NUMBER = re.compile(r"\d+(?:[ \t]?[A-Za-z]{1,2}(?!\w))?(?!.*\d)", re.S)
_COMPASS = frozenset({"noord", "oost", "zuid", "west", "centrum", "midden", "wijk", "kern", "team"})


_LEAD_TOKEN = re.compile(r"[^\W\d_]+\.?[ \t]+")


def _lead(name: str) -> int:
    """Length of the titles and capitalised common words deduce put before a name ("dhr. ", "de heer ",
    "Volgens ")."""
    at = 5 if name.lower().startswith("de heer") else 0
    while True:
        m = _LEAD_TOKEN.match(name, at)
        if not m:
            return at
        word = m.group().strip().rstrip(".").lower()
        if word in _TITLE_WORDS or word in LEAD_WORDS or (word in common_words() and word not in _NAME_PARTICLES):
            at = m.end()
        else:
            return at


#: Words that start a sentence before a name, never part of it ("Volgens Bakker", "Namens Jan Smit").
LEAD_WORDS = frozenset({
    "volgens", "namens", "door", "met", "voor", "aan", "bij", "zonder", "via", "zie", "graag", "dank", "ook",
    "en", "of", "maar", "want", "dus", "omdat", "als", "dan", "toen", "nu", "hier", "daar", "wij", "ik", "zij",
    "hij", "groet", "groeten", "groetjes", "hallo", "beste", "geachte", "vraag", "bel", "mail", "contact",
})
_COMPOUND_AFTER = re.compile(r"-[a-zà-ÿ]")


_NAME_PARTICLES = frozenset({"van", "de", "der", "den", "ten", "ter", "te", "het", "'t", "la", "le", "el", "al"})


def deduce_spans(text: str) -> list[Span]:
    """Spans of person names and street addresses that deduce finds in ``text`` (places and services kept)."""
    if not text or not text.strip():
        return []
    spans = _spans(text, _engine().deidentify(text).annotations)
    shouted = _CAPS_RUN.sub(lambda m: m.group().title(), text)  # "KAREL DE BRUIJN": deduce reads capitalised names
    if shouted != text and len(shouted) == len(text):
        spans += _spans(text, _engine().deidentify(shouted).annotations)
    return spans


# Two or more words in capitals ("KAREL DE BRUIJN"); short acronyms (GGD, CJG, WMO) alone are no run.
_CAPS_RUN = re.compile(r"[A-ZÀ-ÖØ-Þ]{2,}(?:[ \t]+[A-ZÀ-ÖØ-Þ]{2,})+")


def _spans(text: str, annotations: object) -> list[Span]:
    spans: list[Span] = []
    for a in annotations:
        tag = a.tag
        words = _WORD.findall(a.text)
        if tag == "persoon":
            start = a.start_char + _lead(a.text)  # "mevrouw Jansen", "Volgens Bakker": the name only
            named = _WORD.findall(text[start:a.end_char])
            if not named or (len(named) == 1 and named[0].lower() in NOT_PERSONS):
                continue
            if _ARTICLE_BEFORE.search(text, max(0, start - 6), start):
                continue  # "De Schakel", "het Rode Kruis": a building or an organisation
            if _COMPOUND_AFTER.match(text, a.end_char):
                continue  # "De Vries-regeling": a name inside a compound noun
            end = a.end_char
            service_at = next((i for i, w in enumerate(named) if is_service([w])), None)
            if service_at is not None:  # "Anouk ter Horst van het Wmo": the name ends before the service
                kept = named[:service_at]
                while kept and kept[-1].lower() in _NAME_PARTICLES:
                    kept.pop()
                if sum(w.lower() not in _NAME_PARTICLES for w in kept) < 2:
                    continue
                end = start + _end_of_words(text[start:a.end_char], len(kept))
                named = kept
            core = [w for w in named if w.lower() not in _NAME_PARTICLES]
            if not core or is_place_or_service(core) or is_organisation(" ".join(named)):
                continue  # "van Nuenen", "van " (before "Alphen aan den Rijn"), "Reinier van Arkel"
            spans.append((start, end, "naam"))
        elif tag == "locatie" and any(c.isdigit() for c in a.text) and not a.text.lower().startswith("postbus"):
            end = a.start_char + _LAST_NUMBER.search(a.text).end()  # "..., 1234 AB Zaanstad": the place stays
            if not is_address(text, a.start_char, end, words):
                continue
            spans.append((a.start_char, end, "adres"))
    return spans


_TITLE_WORDS = frozenset({"mevrouw", "mevr", "mw", "mvr", "meneer", "mnr", "dhr", "heer", "hr", "dr", "drs",
                          "ir", "mr", "ing", "prof", "wethouder", "burgemeester", "teamleider", "collega"})


@lru_cache(maxsize=1)
def deduce_version() -> str:
    """The installed deduce version (recorded by the benchmark)."""
    return getattr(deduce, "__version__", "unknown")
