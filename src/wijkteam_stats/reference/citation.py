"""The project's citation (``CITATION.cff``, Citation File Format 1.2.0) as BibTeX.

:func:`load_citation` reads the file at the repository root (an error names the file and the key);
:func:`bibtex` writes its citation and every entry under ``references`` as BibTeX entries, so the methods page
shows the same citation as ``CITATION.cff`` without a copy kept by hand. Special characters are escaped; titles
are braced so BibTeX styles keep their capitals; an entity author is braced whole.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from wijkteam_stats.reference import paths
from wijkteam_stats.reference.yaml_files import read_yaml_mapping

CITATION_FILE = paths.ROOT / "CITATION.cff"
_TEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


class CitationError(ValueError):
    """``CITATION.cff`` is missing or lacks what a citation needs; the message names the file and the key."""


def load_citation(path: str | Path | None = None) -> dict[str, Any]:
    """The parsed ``CITATION.cff`` (or ``path``); checks the keys a citation needs (``title``, ``authors``)."""
    p = Path(path) if path else CITATION_FILE
    data = read_yaml_mapping(p, CitationError)
    for key in ("cff-version", "title", "authors"):
        if not data.get(key):
            raise CitationError(f"{p}: missing '{key}'")
    return data


def tex_escape(text: str) -> str:
    """``text`` with BibTeX/LaTeX special characters escaped."""
    return "".join(_TEX_SPECIAL.get(ch, ch) for ch in str(text))


def _author(a: dict[str, Any]) -> str:
    if a.get("name"):  # an entity: braced so it is not split into first and last names
        return "{" + tex_escape(a["name"]) + "}"
    family = " ".join(x for x in (a.get("name-particle"), a.get("family-names")) if x)
    given = a.get("given-names")
    suffix = a.get("name-suffix")
    parts = [family, suffix, given] if suffix else [family, given]
    return ", ".join(tex_escape(x) for x in parts if x)


def _key(entry: dict[str, Any], fallback: str) -> str:
    """``<first author's first word><year><first long title word>``, e.g. ``Arum2016Sociale``."""
    first = (entry.get("authors") or [{}])[0]
    who = next(iter(re.findall(r"[^\W_]+", str(first.get("family-names") or first.get("name") or ""))), "")
    word = next(iter(re.findall(r"[^\W\d_]{4,}", str(entry.get("title", "")))), "")
    key = f"{who}{entry.get('year') or ''}{word[:1].upper()}{word[1:]}"
    return key or fallback


def _fields(entry: dict[str, Any], software: bool) -> list[tuple[str, str]]:
    fields = [("author", " and ".join(_author(a) for a in entry.get("authors", []))),
              ("title", "{" + tex_escape(entry["title"]) + "}")]
    if entry.get("year"):
        fields.append(("year", str(entry["year"])))
    if entry.get("month"):
        fields.append(("month", _MONTHS[int(entry["month"]) - 1]))
    publisher = (entry.get("publisher") or {})
    if entry.get("type") == "report" and publisher.get("name"):
        fields.append(("institution", tex_escape(publisher["name"])))
        if publisher.get("city"):
            fields.append(("address", tex_escape(publisher["city"])))
    elif publisher.get("name"):
        fields.append(("publisher", tex_escape(publisher["name"])))
    if entry.get("version"):
        fields.append(("version", tex_escape(entry["version"])))
    for key in ("doi", "url"):
        if entry.get(key):
            fields.append((key, str(entry[key])))
    if entry.get("repository-code") and not entry.get("url"):
        fields.append(("url", str(entry["repository-code"])))
    notes = []
    if software:
        notes.append("Software" + (f", version {entry['version']}" if entry.get("version") else ""))
    if entry.get("license"):
        lic = entry["license"]
        notes.append("Licence " + (" or ".join(lic) if isinstance(lic, list) else str(lic)))
    if notes:
        fields.append(("note", tex_escape(". ".join(notes))))
    return fields


def bibtex_entry(entry: dict[str, Any], key: str | None = None, software: bool = False) -> str:
    """One CFF work (the citation itself or a reference) as a BibTeX entry."""
    kind = "techreport" if entry.get("type") == "report" else "misc"
    fields = _fields(entry, software)
    width = max(len(k) for k, _ in fields)
    body = ",\n".join(f"  {k.ljust(width)} = {{{v}}}" for k, v in fields)
    return f"@{kind}{{{key or _key(entry, 'ref')},\n{body}\n}}\n"


def bibtex(path: str | Path | None = None, references: bool = True) -> str:
    """The citation of ``CITATION.cff`` as BibTeX (the project first, then its references)."""
    cff = load_citation(path)
    entries = [bibtex_entry(cff, key=re.sub(r"[^A-Za-z0-9]+", "_", cff["title"].split(":")[0]).strip("_"),
                            software=cff.get("type", "software") == "software")]
    if references:
        seen: set[str] = set()
        for i, ref in enumerate(cff.get("references") or [], 1):
            key = _key(ref, f"ref{i}")
            while key in seen:
                key += "b"
            seen.add(key)
            entries.append(bibtex_entry(ref, key=key))
    return "\n".join(entries)
