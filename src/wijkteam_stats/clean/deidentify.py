"""De-identification of free text: one linear-time pass that masks personal data in any free-text value.

:func:`deidentify` is the single step every free-text value of the cleaning goes through (free-text
questions, the text after "Anders, namelijk:" moved into ``<variable>_anders``, comments, and values quoted
in the cleaning log). It returns the masked text and the number of maskings per kind; the cleaning log and
summary count them (never the masked value).

Masked (kind as counted -> placeholder):

- ``e-mailadres`` -> ``[e-mailadres]``: anything shaped ``local@domain`` (found from each ``@``; the domain
  needs no dot: ``k.bakker@zaanstad`` is masked too) and the written-out forms "k.bakker [at] zaanstad
  [dot] nl", "k.bakker(at)zaanstad.nl" (here the domain needs a dot or "[dot]").
- ``telefoonnummer`` -> ``[telefoonnummer]``: Dutch numbers, 0 + 9 digits in any grouping ("0612345678",
  "06-12345678", "06 - 1234 5678", "(030) 286 10 00", "030/2861000", "06-12-34-56-78"); 0800/090x service
  numbers (8 or 11 digits); +31 / 0031 with or without "(0)" ("+31 6 1234 5678", "+31 (0)20 123 4567");
  international numbers written with "+" or "00" and a country code, 8-15 digits ("+32 2 123 45 67",
  "0049 30 1234567"). Between two digits up to four spaces, hyphens, dots, slashes or brackets; a line
  break ends a number. Dates ("03-10-2015 14") are recognised and never taken for a phone number.
- ``bsn`` -> ``[BSN]``: 9 digits, also written "1234.56.782", "1234 56 782", "123 456 782", "111-222-333",
  that pass the 11-proef, unless the context makes them an amount or a case number ("bedrag € 123.456.782",
  "zaaknummer 123456782"; "111.222.333" with thousands dots) and no "bsn" / "burgerservicenummer" is near.
- ``iban`` -> ``[IBAN]``: country code, two check digits and the account (with or without spaces, hyphens or
  dots, any case: "nl91-abna-...", "NL 91 ABNA ..."), the mod-97 checksum valid and, for the common
  countries, the country's length.
- ``adres`` -> ``[adres]``: a Dutch postcode ("1234 AB", "1234AB", "5038EA12", with a house number after it)
  and a street name with a house number ("Dorpsstraat 12a", "Stationsweg 3-5", "Jan van Galenstraat 12-III";
  names ending in straat, weg, laan, plein, gracht, kade, ...; not "Hoofdstraat 3 teams"), plus streets
  without such a suffix that deduce knows ("Neude 11", "Spui 70"). A street address next to its postcode is
  one masking.
- ``naam`` -> ``[naam]``: the person names known from the row (the respondent and contact columns): the full
  name in any case, and capitalised first name, last name (with its particles: "van der Berg") and initials
  with last name ("K. Bakker"), and the surname of an e-mail address shaped initials.surname
  ("k.bakker@..." names Bakker); plus capitalised names after a greeting or signature ("groet, Karin
  Bakker", "mvg Karin"), a title ("mevrouw Jansen", "dhr. P. de Vries", "mw. De Boer"), a contact label
  ("contactpersoon: J. Smit", "ingevuld door Anna", "naam: ...") or, when written as first and last name
  not starting with a municipality name, after "bel" / "mail" / "vraag naar" / "contact op met" ("bel Karin
  Bakker", not "bel Amsterdam Zuid"); the respondent's own first name also in lower case ("groetjes
  karin") unless it is a common word; names without any cue that the deduce library finds
  (:mod:`.deduce_finder`: "Sandra Kromodimedjo coördineert ..."), and a name joined to a found one by "en",
  "/" or ",". Letters outside Latin-1 ("Ayşe Yılmaz", "Łukasz") count as letters.
- ``geboortedatum`` -> ``[geboortedatum]``: a date right after a date-of-birth cue ("geb. 12-03-2009",
  "geboortedatum aanvrager: 3 maart 1958", "geboren 07/11/1972", "geb.datum 1990-05-14", "gebdat 2-9-'85").
  Names in lower case are also found after contact labels, greetings and titles ("contact: marieke van dijk
  (beleid) of ahmet yilmaz", "groetjes anneke bosma", "mw de jong-smit"), and two capitalised name words
  holding letters outside Latin-1 are a name without any cue ("Łukasz Wiśniewski").
- ``lange tekst`` -> ``[lange tekst weggelaten]``: a value longer than :data:`MAX_TEXT` characters, whole.

Deliberately kept: ordinary numbers, counts, years, dates other than of birth, percentages, amounts ("603 teams", "2015",
"84%"), municipality, place, organisation and service names ("Bel Zorgloket Venray", "naam: Buurtteam
Oost", "groet, Beleidsteam Zorg"), "Postbus 123", street names without a house number and lower-case words
that happen to equal a known surname ("een groot team" for Mr de Groot). Not found: a lone name that is in
no lookup list, not in the row and after no cue. ``benchmarks/bench_masking.py`` measures all this on the
labelled corpus ``tests/data/masking_corpus.tsv`` (assumption D7 has the figures).

Every pattern step is linear in the text length (deduce too, at about 25 µs a character; hence the cap):
each regular expression starts with a character class (the
engine skips ahead in C) and has only bounded quantifiers or repetitions whose parts cannot overlap (so a
failed attempt gives back a bounded number of characters); e-mail addresses are read outwards from each
``@`` (the local part as one run on the reversed text); cue words are found with ``str.find``. Overlapping
finds become one span (their union). ``benchmarks/bench_deidentify.py`` prints timings for 10 kB-1 MB.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from wijkteam_stats.clean.deduce_finder import (
    common_words,
    deduce_spans,
    is_address,
    is_place_name,
    is_place_or_service,
    is_service,
)
from wijkteam_stats.reference.codebook import Codebook, load_codebook
from wijkteam_stats.reference.municipalities import municipalities_by_year

KINDS = ("e-mailadres", "iban", "telefoonnummer", "bsn", "adres", "naam", "geboortedatum", "lange tekst")
#: A free-text value longer than this is replaced as a whole (no survey answer is this long; nobody could
#: review it, and deduce takes about 25 µs a character).
MAX_TEXT = 20_000
PLACEHOLDERS = {
    "lange tekst": "[lange tekst weggelaten]",
    "e-mailadres": "[e-mailadres]",
    "iban": "[IBAN]",
    "telefoonnummer": "[telefoonnummer]",
    "bsn": "[BSN]",
    "adres": "[adres]",
    "naam": "[naam]",
    "geboortedatum": "[geboortedatum]",
}

Span = tuple[int, int, str]  # start, end (exclusive), kind

# Every pattern below starts with a character class (so the regex engine skips ahead in C) and checks the
# word boundary before it with a fixed-width look-behind *after* that first character: "(?<!\w.)".

# --------------------------------------------------------------------------- e-mail

_AT = re.compile(r"@(?<=[\w.+%'=&-]@)(?=[\w-])")  # an "@" with a local-part character before, a domain after
_LOCAL_REVERSED = re.compile(r"[\w.+%'=&-]+")  # a maximal run read backwards: no backtracking
_DOMAIN = re.compile(r"[\w-]+(?:\.[\w-]+)*")  # labels and dots alternate: backtracks over one label at most
# Written-out forms: "k.bakker [at] zaanstad [dot] nl", "k.bakker(at)zaanstad.nl"; the separators start with
# characters no label holds, so labels and separators still alternate without ambiguity.
_AT_WORD = re.compile(r"[\[({](?i:at|apenstaartje)[\]})]")
_DOMAIN_WRITTEN = re.compile(r"[\w-]+(?:(?:\.|[ \t]?[\[({](?i:dot|punt)[\]})][ \t]?)[\w-]+)+")


def _emails(text: str) -> list[Span]:
    if "@" not in text:
        return []
    rev = text[::-1]
    n = len(text)
    spans = []
    for m in _AT.finditer(text):
        p = m.start()
        local = _LOCAL_REVERSED.match(rev, n - p).group().rstrip(".")  # a full stop before it is no part
        end = _DOMAIN.match(text, p + 1).end()
        while text[end - 1] in ".-":
            end -= 1
        if local and end > p + 1:
            spans.append((p - len(local), end, "e-mailadres"))
    return spans


def _written_emails(text: str) -> list[Span]:
    found = list(_AT_WORD.finditer(text))
    if not found:
        return []
    rev = text[::-1]
    n = len(text)
    spans = []
    for m in found:
        p = m.start() - (1 if text[m.start() - 1:m.start()] in (" ", "\t") else 0)
        local = _LOCAL_REVERSED.match(rev, n - p)
        q = m.end() + (1 if text[m.end():m.end() + 1] in (" ", "\t") else 0)
        domain = _DOMAIN_WRITTEN.match(text, q)
        if local and domain:
            spans.append((p - len(local.group().rstrip(".")), domain.end(), "e-mailadres"))
    return spans


# Loosely written addresses: spaces around "@" or the dots ("k . bakker @ zaanstad . nl", "pjanssen@gmail
# .com"), "(a)" or the words "at" / "apenstaartje" for "@", "dot" / "punt" for the dot ("k.bakker at
# zaanstad dot nl"). A word form needs a known top-level domain at the end ("nl", "com", ...).
_AT_LOOSE = re.compile(
    r"[@(\[{aA](?:(?<=@)|(?<=[(\[{])(?i:a|at|apenstaartje)[)\]}]|(?<=[aA])(?<![\w(\[{].)(?i:t|penstaartje)(?!\w))"
)
_LABEL = re.compile(r"[\w-]{1,63}")
_DOT_LOOSE = re.compile(r"[ \t]{0,2}(?:\.|[(\[{](?i:dot|punt)[)\]}]|(?<=[ \t])(?i:dot|punt)(?=[ \t]))[ \t]{0,2}")
_LOCAL_PIECE = re.compile(r"[\w+%'=&-]{1,64}")
_DOT_WORD_BEFORE = re.compile(r"(?i)(?<=[ \t])(?:punt|dot)\Z")
_TLDS = frozenset({"nl", "com", "net", "org", "eu", "be", "de", "info", "nu", "fr", "uk", "frl", "amsterdam",
                   "io", "biz", "email", "online", "gov"})


def _loose_local(text: str, at: int) -> int:
    """Start of the local part that ends at ``at`` (spaces before the "@" skipped); -1 when there is none.
    Pieces joined by dots (with spaces around) belong to it, and so do initials before it ("k bakker")."""
    i = at
    while i > 0 and text[i - 1] in " \t":
        i -= 1
    rev = text[:i][::-1]
    m = _LOCAL_PIECE.match(rev)
    if not m:
        return -1
    start = i - m.end()
    for _ in range(4):  # ". k" / " . k" / "k " before the piece
        j = start
        while j > 0 and text[j - 1] in " \t":
            j -= 1
        dotted = j > 0 and text[j - 1] == "."
        k = j - 1 if dotted else j
        word = _DOT_WORD_BEFORE.search(text, max(0, j - 6), j)
        if not dotted and word:  # "jan punt jansen at gmail punt com"
            dotted, k = True, word.start()
        while dotted and k > 0 and text[k - 1] in " \t":
            k -= 1
        piece = _LOCAL_PIECE.match(text[:k][::-1])
        if piece is None or (not dotted and (j == start or piece.end() > 1)):
            break  # without a dot only one letter (an initial) joins across a space
        if k - piece.end() > 0 and (text[k - piece.end() - 1].isalnum()):
            break
        start = k - piece.end()
    return start


def _loose_emails(text: str) -> list[Span]:
    spans = []
    for m in _AT_LOOSE.finditer(text):
        word_form = text[m.start()] not in "@("
        start = _loose_local(text, m.start())
        if start < 0:
            continue
        at = m.end()
        while at < len(text) and text[at] in " \t":
            at += 1
        label = _LABEL.match(text, at)
        labels, end = [], at
        while label:
            labels.append(label.group())
            end = label.end()
            dot = _DOT_LOOSE.match(text, end)
            if not dot:
                break
            label = _LABEL.match(text, dot.end())
        if len(labels) < 2 and not (text[m.start()] == "@" and labels):
            continue
        if (word_form or text[m.start()] == "(") and labels[-1].lower() not in _TLDS:
            continue
        spans.append((start, end, "e-mailadres"))
    return spans


# --------------------------------------------------------------------------- IBAN

_IBAN_LENGTH = {
    "NL": 18, "BE": 16, "DE": 22, "FR": 27, "GB": 22, "LU": 20, "ES": 24, "IT": 27, "AT": 20, "CH": 21,
    "DK": 18, "NO": 15, "SE": 24, "FI": 18, "IE": 22, "PT": 25, "PL": 28, "CZ": 24, "GR": 27, "HU": 28,
    "TR": 26, "SK": 24, "SI": 19, "HR": 21, "RO": 24, "BG": 22, "EE": 20, "LT": 20, "LV": 21, "IS": 26,
    "LI": 21, "MT": 31, "CY": 28, "MC": 27, "SM": 27,
}
# Two letters and two check digits at a word start, then at most 30 account characters (one space, hyphen
# or dot allowed between two: "NL91 ABNA ...", "NL91-ABNA-...", "nl91.abna..."); the scan is for the check
# digits (digits are rarer than letters), the letters are checked behind them.
_IBAN = re.compile(r"\d(?<=[A-Za-z]{2}\d)(?<!\w[A-Za-z]{2}\d)\d(?:[ .-]?[A-Za-z0-9]){10,30}")
_IBAN_SEPARATORS = " .-"
# "NL 91 ABNA 0417 1643 00": a separator between the country code and the check digits.
_IBAN_SPLIT = re.compile(r"[A-Za-z](?<![\w].)[A-Za-z][ .-]\d\d(?:[ .-]?[A-Za-z0-9]){10,30}")


def _mod97_ok(chars: str) -> bool:
    moved = chars[4:] + chars[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def _ibans(text: str) -> list[Span]:
    spans = [sp for m in _IBAN_SPLIT.finditer(text) for sp in _valid_iban(text, m.start(), m.end())]
    pos = 0
    while (m := _IBAN.search(text, pos)) is not None:
        pos = m.start() + 1  # a failed or shorter match may hold the next IBAN ("nl91... of NL91-...")
        found = _valid_iban(text, m.start() - 2, m.end())
        spans += found
        if found:
            pos = found[0][1]
    return spans


def _valid_iban(text: str, begin: int, stop: int) -> list[Span]:
    """The IBAN starting at ``begin`` (country code) within ``text[begin:stop]``, if its checksum holds."""
    s = text[begin:stop]
    positions = [begin + i for i, c in enumerate(s) if c not in _IBAN_SEPARATORS]
    chars = "".join(c for c in s if c not in _IBAN_SEPARATORS).upper()
    country = chars[:2]
    lengths = [_IBAN_LENGTH[country]] if country in _IBAN_LENGTH else range(34, 14, -1)
    for ln in lengths:
        if ln > len(chars):
            continue
        end = positions[ln - 1] + 1
        if end < len(text) and text[end].isalnum():
            continue  # the account would end inside a word
        if _mod97_ok(chars[:ln]):
            return [(begin, end, "iban")]
    return []


# --------------------------------------------------------------------------- phone numbers and BSN

# Between two digits of a number: up to four of space, bracket, dot, slash, hyphen (never a line break).
# Each repetition reads separators and then exactly one digit, and separators are no digits, so a failed
# attempt gives back at most a few characters: the cost per start is bounded by the number's length.
_SEP = r"[ \t\u00a0()./-]{0,4}"
_PHONE = re.compile(
    r"[0(+](?<![\w+].)"  # a number starts with 0, "(" or "+" that does not follow a letter, digit or "+"
    r"(?:"
    # Dutch: 0 + 9 digits; service numbers 0800/090x with 4-7 digits; never a date "03-10-2015 ..."
    rf"(?:(?<=\()0|(?<=0))(?!\d?[-/.]\d{{1,2}}[-/.]\d{{4}})"
    rf"(?:(?:800|90[069])(?:{_SEP}\d){{4,7}}|{_SEP}[1-9](?:{_SEP}\d){{8}})"
    # international with "+" or "00": +31 / 0031 with optional trunk zero ("(0)"), others 8-15 digits
    rf"|(?:(?<=\+)|(?<=0)0)"
    rf"(?:31{_SEP}(?:0{_SEP})?[1-9](?:{_SEP}\d){{8}}|[1-9](?:{_SEP}\d){{7,14}})"
    r")(?!\d)"
)
# BSN: 9 digits, "1234.56.782", "1234 56 782", "2780-86-998", "123 456 782", "111-222-333"; checked with the
# 11-proef and read in its context (:func:`_is_bsn`).
_BSN = re.compile(r"\d(?<![\w.,-]\d)(?:\d{8}|\d{3}([ .-])\d{2}\1\d{3}|\d{2}([ .-])\d{3}\2\d{3})(?!\w)(?![.,-]\d)")
_BSN_CUE = re.compile(r"(?i)bsn|burgerservice|sofi")
# Words before a number that make it an amount or a case/reference number ("bedrag", "€", "zaaknummer",
# "besluit nr.", "factuur", "projectcode"), and words after it that make it an amount ("euro", "cent").
_NOT_BSN_BEFORE = re.compile(
    r"(?i)(?:€|eur\b|euro|bedra|kosten|budget|subsidie|begroting|totaal|zaak|dossier|kenmerk|besluit|\bnr\b|"
    r"nummer|factuur|code|referentie|registratie|kvk|order|project|versie)[^!?\n]{0,25}\Z")
_NOT_BSN_AFTER = re.compile(r"(?i)[ \t]{0,2}(?:euro|eur\b|cent|€)")
_BSN_CONTEXT = 40


def _is_bsn(text: str, start: int, end: int) -> bool:
    """A 9-digit number that passes the 11-proef is a BSN unless its context makes it an amount or a case
    number: "bedrag € 123.456.782", "zaaknummer 123456782", thousands separators "111.222.333" (all three
    groups of three with dots), unless "bsn" / "burgerservicenummer" / "sofinummer" is said next to it."""
    before = text[max(0, start - _BSN_CONTEXT):start]
    if _BSN_CUE.search(before) or _BSN_CUE.search(text, end, end + _BSN_CONTEXT):
        return True
    if _NOT_BSN_BEFORE.search(before) or _NOT_BSN_AFTER.match(text, end):
        return False
    number = text[start:end]
    return not (number.count(".") == 2 and len(number) == 11 and number[3] == ".")


def _elfproef(digits: str) -> bool:
    if len(digits) != 9 or set(digits) == {"0"}:
        return False
    total = sum(int(c) * w for c, w in zip(digits[:8], range(9, 1, -1), strict=True)) - int(digits[8])
    return total % 11 == 0


def _numbers(text: str) -> list[Span]:
    spans = []
    for m in _PHONE.finditer(text):
        start, stop = m.span()
        if stop < len(text) and text[stop] == ")" and text.count("(", start, stop) > text.count(")", start, stop):
            stop += 1
        spans.append((start, stop, "telefoonnummer"))
    for m in _BSN.finditer(text):
        if _elfproef("".join(c for c in m.group() if c.isdigit())) and _is_bsn(text, m.start(), m.end()):
            spans.append((m.start(), m.end(), "bsn"))
    return spans


# --------------------------------------------------------------------------- addresses

_POSTCODE = re.compile(
    r"[1-9](?<!\w.)\d{3}(?:[ \t]?(?!SA|SD|SS)[A-Z]{2}|(?!sa|sd|ss)[a-z]{2})(?:\d{1,5}(?:[a-zA-Z](?!\w))?)?(?!\w)"
    r"(?:,?[ \t]{1,2}(?:nr\.?[ \t]?)?\d{1,5}(?:[ \t]?[a-zA-Z](?!\w)|-\d{1,4})?(?!\w))?"
)
_STREET = re.compile(
    r"[A-ZÀ-ÖØ-Þa-z](?<!\w.)[^\W\d_]{1,50}[ \t]{1,2}\d{1,5}(?:(?i:bis)(?!\w)|[ \t]?[a-zA-Z](?!\w)|-\d{1,4})?(?!\w)"
)
_STREET_SUFFIXES = (
    "straat", "weg", "laan", "plein", "gracht", "kade", "singel", "dijk", "dreef", "pad", "steeg", "hof",
    "park", "baan", "markt", "plantsoen", "boulevard", "wal", "allee", "hoven",
)
_JOIN_GAP = re.compile(r"[ \t,]{0,3}")
# A street named after a person: capitalised words and particles before "...straat" ("Jan van Galenstraat").
_STREET_NAMED = re.compile(r"(?<!\w)[A-Z][\w.]{0,20}[ \t](?:(?:van|de|der|den|ten|ter|'t)[ \t]){1,3}\Z")
# A floor or addition after the house number: "12-III", "12 hs", "12-bis", "12 2hoog".
_FLOOR = re.compile(r"(?i)(?:-[ivx]{1,4}|[ \t-](?:hs|bis|bg|huis|[1-9]?hoog))(?!\w)")


@lru_cache(maxsize=1)
def _municipality_words() -> frozenset[str]:
    """Lower-case municipality names (and their hyphenated parts): "Moerdijk 5" is a count, not an address."""
    names = municipalities_by_year()["name"].dropna().astype(str).str.lower()
    return frozenset(names) | frozenset(p for n in names for p in n.split("-"))


# A lower-case postcode with a space ("6211 lr") only with a house number or a place name after it ("4500 ha
# landbouwgrond" and "2400 of" stay).
_POSTCODE_LOWER = re.compile(r"[1-9](?<!\w.)\d{3}[ \t](?!sa|sd|ss)[a-z]{2}(?!\w)")
_AFTER_POSTCODE = re.compile(r"[ \t,]{1,3}(\d{1,5}|[^\W\d_][^\W\d_' -]{1,40})")


def _lower_postcodes(text: str) -> list[Span]:
    spans = []
    for m in _POSTCODE_LOWER.finditer(text):
        nxt = _AFTER_POSTCODE.match(text, m.end())
        if m.group()[-2:] in common_words():
            continue  # "2400 of 2500"
        if nxt and (nxt.group(1).isdigit() or is_place_name(nxt.group(1))):
            spans.append((m.start(), m.end(), "adres"))
    return spans


def _addresses(text: str) -> list[Span]:
    spans = _lower_postcodes(text)
    for m in _STREET.finditer(text):
        word, number = m.group().split()[:2]
        word = word.lower()
        if not word.endswith(_STREET_SUFFIXES) or word in _STREET_SUFFIXES:
            continue
        if len(number) == 4 and number.isdigit() and 1900 <= int(number) <= 2099:
            continue  # "Marktplein 2015" reads as a year
        if word in _municipality_words():
            continue
        if not is_address(text, m.start(), m.end(), m.group().split()[:1]):
            continue  # "Hoofdstraat 3 teams", "Werkplein 2 dagen": a count
        start, end = m.start(), m.end()
        named = _STREET_NAMED.search(text, max(0, start - _NAME_LOOKBACK), start)
        if named:
            start = named.start()  # "Jan van Galenstraat 12"
        floor = _FLOOR.match(text, end)
        spans.append((start, floor.end() if floor else end, "adres"))
    spans += [(m.start(), m.end(), "adres") for m in _POSTCODE.finditer(text)]
    return spans


# --------------------------------------------------------------------------- dates of birth

# Only a date of birth is personal ("geb. 12-03-2009", "geboortedatum: 3 maart 1958", "geboren 07/11/1972",
# "geb.datum 1990-05-14", "gebdat 2-9-'85"); other dates (reporting dates, peildatum) stay. The cue is found
# with str.find ("geb"), the date must follow it within a few characters.
_MONTHS = (r"jan(?:uari)?|feb(?:ruari)?|maart|mrt|apr(?:il)?|mei|jun[i]?|jul[i]?|aug(?:ustus)?"
           r"|sep(?:t(?:ember)?)?|okt(?:ober)?|oct|nov(?:ember)?|dec(?:ember)?")
_DOB = re.compile(
    r"(?i:geb(?:oren|oortedatum|\.?[ \t]?datum|\.?[ \t]?dat(?:um)?\.?|dat|\.)?)(?<=[\w.])"
    r"(?:[ \t]{1,2}(?i:op|d\.?d\.?|aanvrager|cli[eë]nt|van[ \t]cli[eë]nt)){0,2}[ \t]{0,2}[:.,]?[ \t]{0,2}"
    r"(?P<date>\d{1,2}[-/.][ \t]?\d{1,2}[-/.][ \t]?(?:\d{4}|'?\d{2})(?!\d)"
    r"|\d{4}-\d{1,2}-\d{1,2}(?!\d)"
    rf"|\d{{1,2}}[ \t]{{1,2}}(?i:{_MONTHS})\.?[ \t]{{1,2}}(?:\d{{4}}|'\d{{2}})(?!\d))"
)


def _births(text: str, lowered: str) -> list[Span]:
    spans = []
    i = lowered.find("geb")
    while i >= 0:
        if i == 0 or not text[i - 1].isalnum():
            m = _DOB.match(text, i)
            if m:
                spans.append((m.start("date"), m.end("date"), "geboortedatum"))
        i = lowered.find("geb", i + 3)
    return spans


# --------------------------------------------------------------------------- names

# Latin-1 capitals and small letters, plus Latin Extended-A/B and Additional (both cases: "Şahin", "Yılmaz",
# "Łukasz", "Nguyễn"; these blocks alternate capital and small letters).
_UPPER = "A-ZÀ-ÖØ-ÞĀ-ɏḀ-ỿ"
_LOWER = "a-zß-öø-ÿĀ-ɏḀ-ỿ"
_PARTICLES = frozenset({
    "van", "de", "der", "den", "het", "ten", "ter", "te", "in", "op", "'t", "la", "le", "du", "da", "von",
    "vd", "v.d.", "van't", "d'", "el", "al", "zu",
})
_TITLES = frozenset({"mevrouw", "mevr", "mw", "mvr", "meneer", "mnr", "dhr", "heer", "hr", "drs", "dr", "ir",
                     "mr", "ing", "prof", "ds"})
_NOT_NAMES = frozenset({
    "het", "een", "ik", "wij", "we", "zij", "hij", "u", "dit", "dat", "deze", "die", "er", "als", "voor", "met",
    "namens", "team", "teams", "gemeente", "wijkteam", "wijkteams", "sociaal", "sociale", "afdeling", "college",
    "de", "ons", "onze", "mijn", "uw", "jullie", "alle", "allen", "iedereen", "collega", "collega's", "beleid",
    "beleidsmedewerker", "beleidsadviseur", "wethouder", "burgemeester", "directeur", "manager", "coordinator",
    "coördinator", "secretariaat", "loket", "servicepunt", "cjg", "ggd", "wmo", "zorg", "welzijn", "stichting",
    "hierbij", "graag", "dank", "bedankt", "succes", "nb", "ps", "tel", "telefoon", "mail", "email", "e-mail",
    "ja", "nee", "op", "in", "of", "en", "maar", "ook", "zie", "bij", "via", "naar", "per", "niet", "wel",
})
# Cue words, looked up with str.find in the lower-cased text; _CUE then reads the whole cue at that spot.
_CUE_WORDS = ("groet", "mvg", "m.v.g", "gr.", "contact", "ingevuld", "opgesteld", "beantwoord", "naam",
              "mevrouw", "meneer", "heer", "mevr", "mw", "mvr", "mnr", "dhr", "hr", "bel", "mail", "vraag",
              "wethouder", "burgemeester", "teamleider", "projectleider", "collega", "mijn naam", "ik heet")
_CUE = re.compile(
    r"(?<![\w])(?i:"
    r"(?P<greet>groet(?:en|jes)?(?:[ \t]+van)?|m\.?v\.?g\.?|gr\.)"
    r"|(?P<label>contact[ \t-]?persoon(?:[ \t]+(?:is|was))?|ingevuld[ \t]+door|opgesteld[ \t]+door"
    r"|beantwoord[ \t]+door|naam(?=[ \t]{0,2}:)|contact(?=[ \t]{0,2}:))"
    r"|(?P<intro>mijn[ \t]+naam[ \t]+is|ik[ \t]+heet)"
    r"|(?P<title>mevrouw|meneer|heer|(?:mevr|mw|mvr|mnr|dhr)(?:\.|(?!\w))|hr\.|wethouder|burgemeester"
    r"|teamleider|projectleider|collega)"
    r"|(?P<weak>bel(?:len)?(?:[ \t]+met)?|mail(?:en)?(?:[ \t]+(?:met|naar))?|vraag[ \t]+naar"
    r"|contact[ \t]+(?:op[ \t]+)?met)"
    r")(?<=[\w.])(?!\w)[ \t]{0,3}[,:]?(?:[ \t]{0,3}\r?\n){0,2}[ \t]{0,3}"
)
_NAME_TOKEN = re.compile(
    rf"[ \t]{{0,2}}(?:(?P<init>(?:[{_UPPER}]\.[ \t]?){{1,4}})"
    rf"|(?P<part>(?i:van|de|der|den|ten|ter|te|in|op|'t|la|le|du|da|von|vd|v\.d\.))(?=[ \t])"
    rf"|(?P<cap>[{_UPPER}](?:['’][{_UPPER}])?[{_LOWER}'’]+(?:-[{_UPPER}]?[{_LOWER}'’]+)?)(?!\w))"
)
_MAX_NAME_TOKENS = 7


def _read_name(text: str, pos: int) -> tuple[int, int, int] | None:
    """(start, end, parts) of the name at ``pos``: initials, particles and capitalised words ending on a
    capitalised word (``parts`` counts initials groups and capitalised words); None if there is none."""
    start = end = None
    parts = 0
    at = pos
    for _ in range(_MAX_NAME_TOKENS):
        m = _NAME_TOKEN.match(text, at)
        if not m:
            break
        cap = m.group("cap")
        if cap is not None:
            if cap.lower() in _NOT_NAMES:
                break
            parts += 1
            end = m.end()
        elif m.group("init"):
            if end is not None:
                break  # initials after a name start something else
            parts += 1
        if start is None:
            start = m.start(m.lastgroup)
        at = m.end()
    if end is None:
        return None
    return start, end, parts


def _cue_positions(text: str, lowered: str) -> list[int]:
    if len(lowered) != len(text):  # a rare character changes length when lower-cased: scan with the regex
        return [m.start() for m in re.finditer(r"\w+|[^\w\s]", text)]
    found = set()
    for word in _CUE_WORDS:
        i = lowered.find(word)
        while i >= 0:
            found.add(i)
            i = lowered.find(word, i + 1)
    return sorted(found)


_LOWER_WORD = re.compile(rf"[{_LOWER}]+(?:-[{_LOWER}]+)?(?!\w)")


def _lower_name(text: str, pos: int) -> tuple[int, int, int] | None:
    """A name in lower case after "mijn naam is": one word, and a second unless it is a common word."""
    first = _LOWER_WORD.match(text, pos)
    if first is None or first.group() in common_words() or first.group() in _NOT_NAMES:
        return None  # "mijn naam is niet belangrijk", "ik heet u welkom"
    end = first.end()
    second = _LOWER_WORD.match(text, end + 1) if text[end:end + 1] == " " else None
    if second is not None and second.group() not in common_words() and second.group() not in _NOT_NAMES:
        end = second.end()
    return first.start(), end, 2


_LOWER_PARTICLE = re.compile(r"(?:van|de|der|den|ten|ter|te|'t|el|al|ben|ait|bin|abu)[ \t](?:(?:de|der|den|het)[ \t])?")
_LOWER_OR = re.compile(r"[ \t]{0,2}(?:\([^()\n]{1,40}\)[ \t]{0,2})?(?:,|en|of|/)[ \t]{1,2}")


def _lower_full_name(text: str, pos: int) -> tuple[int, int, int] | None:
    """A lower-case name after a contact, greeting or title cue ("contact: marieke van dijk", "groetjes anneke
    bosma", "mw de jong-smit"): a first name and a surname (neither a common word, unless after a particle),
    or a particle and a surname after a title."""
    lead = _LOWER_PARTICLE.match(text, pos)
    first = _LOWER_WORD.match(text, lead.end() if lead else pos)
    if first is None or first.group() in _NOT_NAMES or (lead is None and first.group() in common_words()):
        return None
    if lead is not None:
        return pos, first.end(), 2  # "mw de jong-smit"
    at = first.end()
    if text[at:at + 1] != " ":
        return None
    mid = _LOWER_PARTICLE.match(text, at + 1)
    second = _LOWER_WORD.match(text, mid.end() if mid else at + 1)
    if second is None or second.group() in _NOT_NAMES or (mid is None and second.group() in common_words()):
        return None
    return first.start(), second.end(), 2


def _cued_names(text: str, lowered: str) -> list[Span]:
    spans = []
    for pos in _cue_positions(text, lowered):
        m = _CUE.match(text, pos)
        if m is None:
            continue
        found = _read_name(text, m.end())
        if found is None and m.group("intro") is not None:
            found = _lower_name(text, m.end())  # "mijn naam is fatima": any case after this cue
        if found is None and m.group("weak") is None:
            found = _lower_full_name(text, m.end())
            last = found
            while last is not None and m.group("label") is not None:  # "contact: a b (beleid) of c d"
                more = _LOWER_OR.match(text, last[1])
                last = _lower_full_name(text, more.end()) if more else None
                if last is None or is_place_or_service(text[last[0]:last[1]].split()):
                    break
                spans.append((last[0], last[1], "naam"))
        if found is None:
            continue
        start, end, parts = found
        if m.group("weak") is not None and (
                parts < 2 or text[start:end].split()[0].lower() in _municipality_words()):
            continue  # after "bel" / "mail": only first and last name ("bel Karin Bakker"; not "bel Zaanstad",
            # nor "bel Amsterdam Zuid")
        words = text[start:end].replace(".", " ").split()
        if is_service(words) or (m.group("title") is None and is_place_or_service(words)):
            continue  # "naam: Buurtteam Oost", "groet, Beleidsteam Zorg", "groeten uit Tynaarlo", "bel Venray"
        spans.append((start, end, "naam"))
    return spans


_EXTENDED = re.compile(r"[Ā-ɏḀ-ỿ]")
_CAP_START = re.compile(rf"[{_UPPER}](?<!\w.)")


def _extended_names(text: str) -> list[Span]:
    """First and last name written with letters outside Latin-1 ("Łukasz Wiśniewski", "Jiří Dvořák"): in
    Dutch text these letters occur almost only in names, so no cue is needed (places are kept)."""
    if not _EXTENDED.search(text):
        return []
    spans = []
    at = 0
    while (m := _CAP_START.search(text, at)) is not None:
        found = _read_name(text, m.start())
        if found is None:
            at = m.end()
            continue
        start, end, parts = found
        words = text[start:end].replace(".", " ").split()
        if parts >= 2 and _EXTENDED.search(text, start, end) and not is_place_or_service(words):
            spans.append((start, end, "naam"))
        at = end
    return spans


def _fold(text: str) -> str:
    s = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in s if not unicodedata.combining(ch))


@dataclass(frozen=True)
class KnownPersons:
    """Personal values known from one row (respondent and contact columns) and the patterns that find them.

    Name values give the full name (any case) and its parts (capitalised or all capitals); every value of
    three characters or more is also matched literally (any case).
    """

    values: tuple[str, ...] = ()
    needles: tuple[str, ...] = field(default=(), compare=False, repr=False)  # lower-case pre-filter
    full: re.Pattern | None = field(default=None, compare=False, repr=False)
    parts: re.Pattern | None = field(default=None, compare=False, repr=False)
    literal: re.Pattern | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_values(cls, values: Iterable[object]) -> KnownPersons:
        """The known persons of one row from the cells of its personal columns (empty cells ignored)."""
        vals = tuple(sorted({str(v).strip() for v in values if v is not None and str(v).strip()}))
        return _known(vals)


NOBODY = KnownPersons()


def _word_alternation(alternatives: Iterable[tuple[str, str]]) -> str:
    """An alternation of (first character, rest as a pattern), each alternative checked to start a word
    right after its first character (the engine then scans for the first characters in C instead of
    testing a look-behind at every position), and to end a word."""
    alts = {re.escape(first) + r"(?<!\w.)" + rest for first, rest in alternatives}
    return "(?:" + "|".join(sorted(alts, key=lambda w: (-len(w), w))) + r")(?!\w)"


# The local part of a personal e-mail address: initials, a dot or underscore, a surname ("k.bakker",
# "jp_vandam"); generic addresses ("info", "wijkteam.oost") do not have this shape.
_INITIALS_SURNAME = re.compile(r"([a-z]{1,2})[._]([a-z][a-z'-]{2,40})")


@lru_cache(maxsize=4096)
def _known(values: tuple[str, ...]) -> KnownPersons:
    fulls: set[str] = set()
    parts: set[str] = set()
    firsts: set[str] = set()
    literals: set[str] = set()
    for v in values:
        if "@" in v or sum(c.isdigit() for c in v) >= 6:
            literals.add(v)  # e-mail address or phone number: also matched literally
            personal = _INITIALS_SURNAME.fullmatch(v.split("@")[0].lower())
            if personal and personal.group(2) not in _NOT_NAMES:
                parts.add(personal.group(2))  # "k.bakker@..." also names Bakker
            continue
        words = [w for w in re.split(r"[\s,;/()]+", v) if w and w.strip(".").lower() not in _TITLES]
        names = [w for w in words if len(w.strip(".")) >= 2 and w.lower() not in _PARTICLES]
        for w in names:
            parts |= {p for p in w.split("-") if len(p) >= 2 and p.lower() not in _NOT_NAMES}
            if "-" in w:
                parts.add(w)
        if len(words) >= 2:
            fulls.add(" ".join(words))
        if names and len(names[0].strip(".")) >= 3 and "." not in names[0]:
            firsts.add(names[0])  # the first name, also matched in lower case ("groetjes karin")
    needles = {x.lower() for x in literals} | {f.split()[0].strip(".").lower() for f in fulls}
    needles |= {x.lower() for p in parts for x in (p, _fold(p))}
    full = part = literal = None
    if fulls:
        alts = set()
        for f in fulls:
            for form in {f, _fold(f)}:
                pats = [re.escape(w.strip(".")) + (r"\.?" if w.endswith(".") else "") for w in form.split()]
                rest = r"[\s.,-]{1,3}".join(pats)
                alts.add((form[0], rest[len(re.escape(form[0])):]))
        full = re.compile(_word_alternation(alts), re.IGNORECASE)
    if parts:
        forms = {x for p in parts for f in (p, _fold(p)) for x in (f[0].upper() + f[1:], f.upper())}
        # the respondent's own first name in lower case ("groetjes karin"), unless also a common word ("roos")
        forms |= {f.lower() for p in firsts for f in (p, _fold(p)) if p.lower() not in common_words()}
        part = re.compile(_word_alternation((x[0], re.escape(x[1:])) for x in forms))
    if literals:
        literal = re.compile("|".join(re.escape(x) for x in sorted(literals, key=len, reverse=True)), re.IGNORECASE)
    return KnownPersons(values, tuple(sorted(needles)), full, part, literal)


# Initials and particles just before a known name part belong to the name ("K. Bakker", "J. van der Berg").
_NAME_PREFIX = re.compile(
    rf"(?<!\w)(?:(?:[{_UPPER}]\.[ \t]?){{1,4}}[ \t]{{0,2}})?"
    rf"(?:(?i:van|de|der|den|ten|ter|te|'t|von|vd|v\.d\.)[ \t]{{1,2}}){{0,3}}\Z"
)
_NAME_LOOKBACK = 40


def _known_names(text: str, lowered: str, known: KnownPersons) -> list[Span]:
    if not known.needles or not any(n in lowered for n in known.needles):
        return []
    spans: list[Span] = []
    if known.literal is not None:
        for m in known.literal.finditer(text):
            value = m.group()
            digits = sum(c.isdigit() for c in value)
            kind = "e-mailadres" if "@" in value else ("telefoonnummer" if digits >= 6 else "naam")
            spans.append((m.start(), m.end(), kind))
    if known.full is not None:
        spans += [(m.start(), m.end(), "naam") for m in known.full.finditer(text)]
    if known.parts is not None:
        for m in known.parts.finditer(text):
            s = m.start()
            before = text[max(0, s - 3):s].rstrip()
            if before.endswith(".") or before[-2:].lower() in ("an", "de", "er", "en", "'t", "on", "d.", "vd"):
                pre = _NAME_PREFIX.search(text, max(0, s - _NAME_LOOKBACK), s)
                if pre and pre.group().strip():
                    s = pre.start()
            spans.append((s, m.end(), "naam"))
    return spans


# --------------------------------------------------------------------------- resolving and replacing

# Earlier kinds win an overlap: an e-mail address holds a name, an IBAN holds digit groups.
_PRIORITY = ("e-mailadres", "iban", "telefoonnummer", "bsn", "geboortedatum", "adres", "naam")
_RANK = {k: i for i, k in enumerate(_PRIORITY)}
_JOINED = frozenset({"adres", "naam"})


_AND = re.compile(r"[ \t]{0,2}(?:en|&|/|,)[ \t]{0,2}")


def _coordinated_names(text: str, spans: list[Span]) -> list[Span]:
    """A first and last name joined to a found name by "en", "&", "/" or "," is a name too ("Priya D'Souza
    en Sean O'Neill", "Tamara Wolters/Dennis Kramer"), unless it is a place or a service."""
    out = []
    for _s, e, k in spans:
        if k != "naam":
            continue
        joint = _AND.match(text, e)
        if not joint or joint.end() == e:
            continue
        found = _read_name(text, joint.end())
        if found is None or found[2] < 2:
            continue
        start, end, _ = found
        if not is_place_or_service(text[start:end].replace(".", " ").split()):
            out.append((start, end, "naam"))
    return out


def find_personal_data(text: str, known: KnownPersons = NOBODY, use_deduce: bool = True) -> list[Span]:
    """Non-overlapping spans of personal data in ``text``, sorted by position.

    Overlapping finds become one span (their union, so nothing of either stays visible) of the kind listed
    first in :data:`_PRIORITY` (an e-mail address holding a name is an e-mail address); names or address
    parts next to each other (only spaces or a comma between) are one span.
    """
    if not text:
        return []
    lowered = text.lower()
    spans = [*_known_names(text, lowered, known), *_emails(text), *_written_emails(text),
             *_loose_emails(text), *_ibans(text),
             *_numbers(text),
             *_addresses(text), *_births(text, lowered), *_cued_names(text, lowered),
             *_extended_names(text)]
    if use_deduce:
        spans += deduce_spans(text)
    spans += _coordinated_names(text, spans)
    if not spans:
        return []
    spans.sort()
    out: list[Span] = []
    last_s, last_e, last_k = spans[0]
    for s, e, k in spans[1:]:
        if s < last_e:  # overlap: the union, of the kind with priority
            last_e = max(last_e, e)
            if _RANK[k] < _RANK[last_k]:
                last_k = k
        elif k == last_k and k in _JOINED and _JOIN_GAP.fullmatch(text, last_e, s):
            last_e = e
        else:
            out.append((last_s, last_e, last_k))
            last_s, last_e, last_k = s, e, k
    out.append((last_s, last_e, last_k))
    return out


def deidentify(text: str, known: KnownPersons = NOBODY, use_deduce: bool = True) -> tuple[str, Counter]:
    """``text`` with personal data replaced by Dutch placeholders, and the number of maskings per kind.

    A text longer than :data:`MAX_TEXT` characters is replaced as a whole (kind ``lange tekst``)."""
    if len(text) > MAX_TEXT:
        return PLACEHOLDERS["lange tekst"], Counter({"lange tekst": 1})
    spans = find_personal_data(text, known, use_deduce)
    counts: Counter = Counter()
    if not spans:
        return text, counts
    pieces, at = [], 0
    for s, e, k in spans:
        pieces += [text[at:s], PLACEHOLDERS[k]]
        counts[k] += 1
        at = e
    pieces.append(text[at:])
    return "".join(pieces), counts


def mask(text: str, known: KnownPersons = NOBODY, use_deduce: bool = True) -> str:
    """Only the masked text of :func:`deidentify`."""
    return deidentify(text, known, use_deduce)[0]


def describe_counts(counts: Counter) -> str:
    """"e-mailadres 2, telefoonnummer 1" in the fixed order of :data:`KINDS` (empty without maskings)."""
    return ", ".join(f"{k} {counts[k]}" for k in KINDS if counts.get(k))


def deidentify_columns(frame: pd.DataFrame, columns: Sequence[str], known: Sequence[KnownPersons]
                       ) -> tuple[pd.DataFrame, list[dict[str, Counter]]]:
    """``frame`` with personal data masked in the free-text ``columns``; per row the maskings per column.

    ``known[pos]`` are the persons known from row ``pos`` (positional, like the frame's rows).
    """
    out = frame.copy()
    per_row: list[dict[str, Counter]] = [{} for _ in range(len(frame))]
    seen: dict[tuple[str, KnownPersons], tuple[str, Counter]] = {}  # exports repeat texts (duplicates)
    for c in columns:
        values = frame[c]
        masked = values.copy()
        for pos in np.flatnonzero(values.notna().to_numpy()):
            key = (str(values.iat[pos]), known[pos] if pos < len(known) else NOBODY)
            if key not in seen:
                seen[key] = deidentify(*key)
            text, counts = seen[key]
            if counts:
                masked.iat[pos] = text
                per_row[pos][c] = Counter(counts)
        out[c] = masked
    return out, per_row


def deidentify_table(table: pd.DataFrame, codebook: Codebook | None = None) -> pd.DataFrame:
    """A tidy table with every free-text column masked by the general patterns (no personal columns known).

    For tables that did not come through ``clean_survey`` in this version (a parquet from elsewhere or from
    before the masking): readers of tidy tables that publish free text call it; masking twice changes
    nothing (placeholders are never masked again).
    """
    cb = codebook or load_codebook()
    columns = [v.name for v in cb.variables if v.type == "text" and v.role not in ("personal", "id")
               and v.name in table.columns]
    return deidentify_columns(table, columns, [])[0]


def describe_row(masked: dict[str, Counter]) -> str:
    """One row's maskings for the cleaning log: "toelichting: naam 1, telefoonnummer 1; ..." (no values)."""
    return "; ".join(f"{c}: {describe_counts(n)}" for c, n in masked.items() if n)


def placeholder_counts(text: str) -> Counter:
    """The placeholders in an already masked text, per kind (for messages masked in several steps)."""
    return Counter({k: n for k in KINDS if (n := text.count(PLACEHOLDERS[k]))})
