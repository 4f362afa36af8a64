"""Column headers of a survey export matched to codebook variables through their aliases.

A header is matched, in this order, as
1. a tidy or variable name, exactly (``n_teams``, ``team_type__breed_integraal``, ``involvement__wijkbewoners``);
2. a variable alias or question text after folding (case, accents, numbering such as "3." / "Q3" / "V3a",
   punctuation, spaces); a multi-select question matched this way holds a list of options in one column;
3. "<question> - <option>" (also ``: ``, `` / ``, `` | `` or "<question> [<option>]"): one column per option;
4. "[<grid question> - ]<group> - <form>": one grid cell per column; "[<grid question> - ]<group>" holds a
   list of forms;
5. "<question> - <other text>" ("Open-Ended Response", "Other (please specify)", "... - Text"): the
   ``<variable>_anders`` text question if the codebook has one, else ignored and reported.
An overlay (``wijkteam codebook suggest``) maps exact headers first. Headers that match nothing are ignored
and listed in the summary, except when they are never silently ignored:
- "<known question> - <unknown option>": an option column the codebook does not know (an error naming the
  closest option);
- a header whose text closely resembles (fuzzy match) a codebook question or option that has no column:
  an error with the suggestion (add the header as an alias, or map it in an overlay).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from wijkteam_stats.clean.errors import SurveyFileError
from wijkteam_stats.clean.fold import fold, fold_header, strip_numbering, visible
from wijkteam_stats.clean.readers import RawTable
from wijkteam_stats.clean.safety import looks_personal
from wijkteam_stats.reference.codebook import Codebook, Variable

_SEPARATORS = re.compile(r"\s+[-–]\s+|\s*:\s+|\s+/\s+|\s*\|\s*")
_BRACKET_PART = re.compile(r"\s*\[([^\]]*)\]")


@dataclass(frozen=True)
class Target:
    """What one export column holds."""

    kind: str  # "value", "tick" (one multi option), "list" (multi as list), "grid_tick", "grid_list", "ignore"
    variable: str
    option: str | None = None  # multi option code or grid group code
    form: str | None = None  # grid form code

    def describe(self) -> str:
        return "__".join(x for x in (self.variable, self.option, self.form) if x)


def _option_index(options) -> dict[str, str]:
    idx: dict[str, str] = {}
    for o in options:
        for text in (o.code, o.code.replace("_", " "), o.label, *o.aliases):
            idx.setdefault(fold(text), o.code)
    return idx


_OTHER_TEXT = re.compile(
    r"^(?:(?:anders|overig|other|andere)(?: namelijk| please specify| specify)?(?: text| tekst)?|text|tekst|"
    r"open ended response|please specify|other please specify|toelichting)$"
)
FUZZY_THRESHOLD = 86
FUZZY_MIN_LENGTH = 12  # shorter texts ("respondent", "status") are too unspecific for a fuzzy match


class HeaderIndex:
    """Lookup tables of a codebook for header matching (plus the exact headers of an overlay)."""

    def __init__(self, codebook: Codebook, overlay: dict[str, str | None] | None = None):
        self.codebook = codebook
        self.overlay = {str(k).strip().lower(): v for k, v in (overlay or {}).items()}
        self.exact: dict[str, Target] = {}
        self.variables: dict[str, str] = {}
        self.options: dict[str, dict[str, str]] = {}
        self.groups: dict[str, dict[str, str]] = {}
        self.forms: dict[str, dict[str, str]] = {}
        for v in codebook.variables:
            self._add_variable(v)
        self.exact.setdefault("gm_code", Target("value", self._municipality_name()))
        self.municipality = self._municipality_name()
        names = {v.name for v in codebook.variables}
        for key, name in self.overlay.items():
            if name is not None and name.lower() not in self.exact:
                raise ValueError(f"codebook overlay: header {key!r} maps to {name!r}, which is not a variable, "
                                 f"option or grid cell of the codebook (e.g. {sorted(names)[:3]})")

    def target(self, name: str | None) -> Target:
        """The target of an exact tidy/variable name (``None``: ignore the column)."""
        return Target("ignore", "") if name is None else self.exact[name.lower()]

    def _municipality_name(self) -> str:
        return next(v.name for v in self.codebook.variables if v.type == "municipality")

    def _add_variable(self, v: Variable) -> None:
        kind = {"multi": "list", "grid": None}.get(v.type, "value")
        if kind:
            self.exact[v.name.lower()] = Target(kind, v.name)
        for text in (v.name, v.question, *v.aliases):
            key = fold(strip_numbering(text))
            other = self.variables.setdefault(key, v.name)
            if other != v.name:
                raise ValueError(f"codebook: header alias {text!r} belongs to both {other!r} and {v.name!r}")
        if v.type == "multi":
            self.options[v.name] = _option_index(v.options)
            for o in v.options:
                self.exact[f"{v.name}__{o.code}".lower()] = Target("tick", v.name, o.code)
        if v.type == "grid":
            self.groups[v.name] = _option_index(v.groups)
            self.forms[v.name] = _option_index(v.forms)
            for g in v.groups:
                self.exact[f"{v.name}__{g.code}".lower()] = Target("grid_list", v.name, g.code)
                for f in v.forms:
                    self.exact[f"{v.name}__{g.code}__{f.code}".lower()] = Target("grid_tick", v.name, g.code, f.code)

    # ------------------------------------------------------------------ matching

    def match(self, header: str, label: str | None = None) -> Target | None:
        """The target of a column header (and, for SPSS files, its variable label); None if unknown."""
        for text in (header, label):
            if text and text.strip().lower() in self.overlay:
                return self.target(self.overlay[text.strip().lower()])
        for text in (header, label):
            if text and text.strip():
                target = self._match(text.strip())
                if target is not None:
                    return target
        return None

    def _var(self, name: str) -> Variable:
        return self.codebook.variable(name)

    def _split_target(self, left: str, right: str) -> Target | None:
        fl, fr = fold(left), fold(right)
        name = self.variables.get(fl)
        if name is not None:
            v = self._var(name)
            if v.type == "multi" and fr in self.options[name]:
                return Target("tick", name, self.options[name][fr])
            if v.type == "grid" and fr in self.groups[name]:
                return Target("grid_list", name, self.groups[name][fr])
        for grid, groups in self.groups.items():
            if fl in groups and fr in self.forms[grid]:
                return Target("grid_tick", grid, groups[fl], self.forms[grid][fr])
        return None

    def _match(self, header: str) -> Target | None:
        exact = self.exact.get(header.lower())
        if exact is not None:
            return exact
        # whitespace runs become one space first: the separator patterns below start with \s* / \s+ and would
        # take time quadratic in a long run of spaces (a hostile header); fold() ignores the difference anyway
        core = " ".join(strip_numbering(header).split())
        key = fold(core)
        name = self.variables.get(key)
        if name is not None:
            v = self._var(name)
            if v.type == "grid":
                return None  # the whole grid in one column is not a supported layout
            return Target("list" if v.type == "multi" else "value", name)
        core = _BRACKET_PART.sub(r" - \1", core).strip()
        seps = list(_SEPARATORS.finditer(core))
        for m in seps:
            target = self._split_target(core[: m.start()], core[m.end():])
            if target is not None:
                return target
        for i, m1 in enumerate(seps):
            name = self.variables.get(fold(core[: m1.start()]))
            if name is None or self._var(name).type != "grid":
                continue
            for m2 in seps[i + 1:]:
                fg, ff = fold(core[m1.end(): m2.start()]), fold(core[m2.end():])
                if fg in self.groups[name] and ff in self.forms[name]:
                    return Target("grid_tick", name, self.groups[name][fg], self.forms[name][ff])
        for grid, groups in self.groups.items():
            if key in groups:
                return Target("grid_list", grid, groups[key])
        target = self._match_prefix(key)
        if target is None and seps:
            target = self._other_text(core, seps)
        return target

    def _other_text(self, core: str, seps) -> Target | None:
        """"<question> - <other text>": the question's ``_anders`` text column, else a column to ignore."""
        for m in seps:
            name = self.variables.get(fold(core[: m.start()]))
            if name is None:
                continue
            if _OTHER_TEXT.match(fold(core[m.end():])) or fold(core[m.end():]).endswith((" text", " tekst")):
                anders = f"{name}_anders"
                if anders in self.exact:
                    return self.exact[anders]
                return Target("ignore", name)
        return None

    def unknown_option(self, header: str) -> tuple[str, str, str | None] | None:
        """For "<multi or grid question> - <unknown option>": (variable, option text, closest option label)."""
        core = _BRACKET_PART.sub(r" - \1", strip_numbering(header.strip())).strip()
        for m in _SEPARATORS.finditer(core):
            name = self.variables.get(fold(core[: m.start()]))
            if name is None:
                continue
            v = self._var(name)
            if v.type not in ("multi", "grid"):
                continue
            rest = core[m.end():].strip()
            choices = {fold(o.label): o.label for o in (v.options if v.type == "multi" else v.groups)}
            best = process.extractOne(fold(rest), list(choices), scorer=fuzz.token_set_ratio)
            return name, rest, (choices[best[0]] if best and best[1] >= 60 else None)
        return None

    def resembles(self, header: str, candidates: dict[str, str]) -> tuple[str, float] | None:
        """The codebook target (of ``candidates``: folded text -> target name) a header closely resembles."""
        key = fold(strip_numbering(header))
        if len(key) < FUZZY_MIN_LENGTH or not candidates:
            return None
        best = process.extractOne(key, list(candidates), scorer=fuzz.token_sort_ratio)
        alt = process.extractOne(key, list(candidates), scorer=fuzz.ratio)
        for hit in (best, alt):
            if hit and hit[1] >= FUZZY_THRESHOLD:
                return candidates[hit[0]], float(hit[1])
        return None

    def _match_prefix(self, key: str) -> Target | None:
        """Last resort: "<question alias> <option>" with only a space or underscore between them."""
        for alias, name in self.variables.items():
            if not key.startswith(alias + " "):
                continue
            rest = key[len(alias) + 1:]
            if name in self.options and rest in self.options[name]:
                return Target("tick", name, self.options[name][rest])
            if name in self.groups:
                groups, forms = self.groups[name], self.forms[name]
                if rest in groups:
                    return Target("grid_list", name, groups[rest])
                for g_key, g in groups.items():
                    if rest.startswith(g_key + " ") and rest[len(g_key) + 1:] in forms:
                        return Target("grid_tick", name, g, forms[rest[len(g_key) + 1:]])
        return None


@dataclass
class HeaderMap:
    """The matched columns of one export."""

    targets: dict[int, Target]
    ignored: list[int]
    absent: list[str] = field(default_factory=list)  # optional questions/options without a column
    personal: list[int] = field(default_factory=list)  # the tool's personal-data columns (IP address, ...)
    meta: list[int] = field(default_factory=list)  # the tool's metadata columns that are not used

    def columns(self, variable: str, kind: str | None = None) -> list[tuple[int, Target]]:
        """The (column index, target) pairs of a variable, in file order."""
        return [(i, t) for i, t in sorted(self.targets.items())
                if t.variable == variable and (kind is None or t.kind == kind)]


def _required(v: Variable) -> bool:
    return v.role in ("substantive", "id") and v.required and v.type not in ("text",)


def _fuzzy_candidates(index: HeaderIndex, hmap: HeaderMap) -> dict[str, str]:
    """Folded texts of codebook questions/options that have no column -> their target name."""
    cb = index.codebook
    out: dict[str, str] = {}
    mapped = {t.describe() for t in hmap.targets.values()} | {t.variable for t in hmap.targets.values()}

    def add(text: str, name: str) -> None:
        key = fold(strip_numbering(text))
        if len(key) >= FUZZY_MIN_LENGTH:
            out.setdefault(key, name)

    for v in cb.variables:
        if v.name in mapped or v.role == "personal":
            continue
        questions = [v.question, *v.aliases]
        for q in questions:
            add(q, v.name)
        if v.type == "multi":
            for o in v.options:
                for q in questions[:3]:
                    for lab in (o.label, *o.aliases[:2]):
                        add(f"{q} {lab}", f"{v.name}__{o.code}")
        if v.type == "grid":
            for g in v.groups:
                if f"{v.name}__{g.code}" in mapped:
                    continue
                add(g.label, f"{v.name}__{g.code}")
                for f in v.forms:
                    if f"{v.name}__{g.code}__{f.code}" not in mapped:
                        add(f"{g.label} {f.label}", f"{v.name}__{g.code}__{f.code}")
    return out


def _row_numbers(values) -> bool:
    """True if a column holds consecutive whole numbers (a row index), empty cells only at the end."""
    vals = [v.strip() for v in values]
    while vals and not vals[-1]:
        vals.pop()
    if not vals or not all(v.isdigit() for v in vals):
        return False
    nums = [int(v) for v in vals]
    return all(b - a == 1 for a, b in zip(nums, nums[1:], strict=False))


def _check_ignored(raw: RawTable, index: HeaderIndex, hmap: HeaderMap) -> None:
    """Never ignore silently: an unknown option of a known question, a header that resembles an unmapped
    codebook question, or a column with values but no header is an error."""
    hr = raw.header_row or None
    candidates = _fuzzy_candidates(index, hmap)
    frame_cols = list(zip(*raw.cells, strict=True)) if raw.cells and any(
        not raw.headers[i].strip() for i in hmap.ignored) else []
    fix = ("add the header as an alias in the codebook or map it in an overlay (wijkteam codebook suggest "
           "EXPORT --wave W, then wijkteam clean EXPORT --codebook-overlay FILE)")
    for i in hmap.ignored:
        header = raw.headers[i]
        if not header.strip():
            filled = [raw.rows[p] for p, c in enumerate(frame_cols[i] if frame_cols else ()) if c.strip()]
            if filled and _row_numbers(frame_cols[i]):
                continue  # an index column without header (e.g. written by pandas): listed as ignored
            if filled:
                raise SurveyFileError(
                    f"{raw.where(hr)}: column {i + 1 if raw.kind == 'csv' else raw.column_ref(i)} has no header "
                    f"but holds values ({raw.row_word}s {', '.join(map(str, filled[:5]))}); if a question is "
                    "written above its first option column only, the option labels must be in the row below",
                    raw.path, hr, f"column {i + 1}",
                )
            continue
        target = index.match(header, raw.labels[i] if raw.labels else None)
        if target is not None and target.kind == "ignore":
            continue  # "other, please specify" text without a column in the codebook
        unknown = index.unknown_option(header)
        if unknown is not None:
            var, text, closest = unknown
            hint = f"; closest option: '{closest}'" if closest else ""
            raise SurveyFileError(
                f"{raw.where(hr, i)}: '{text}' is not an option of question '{var}' in the codebook{hint}; "
                f"{fix}", raw.path, hr, header,
            )
        hit = index.resembles(header, candidates)
        if hit is None and raw.labels and raw.labels[i]:
            hit = index.resembles(raw.labels[i], candidates)
        if hit is not None:
            name, score = hit
            raise SurveyFileError(
                f"{raw.where(hr, i)}: this header resembles codebook question '{name}' ({score:.0f} % alike), "
                f"which has no column; {_likely_cause(header, index, name)}if it is that question, {fix}; if "
                "not, rename the header", raw.path, hr, header,
            )


# Headers (folded) that mark personal identifiers in Dutch, English and the tools' older names. Only columns
# the codebook does not know are tested, so "naam gemeente" (a municipality alias) is never caught here.
_PERSONAL_HEADER = re.compile(
    r"(?:^|\b)(?:(?:voor|achter|roep|tussen|eigen|volledige)?naam|(?:first|last|full|given|family|sur)\s?name|"
    r"firstname|lastname|surname|name|contact\s?persoon|contactpersoon|invuller|ingevuld door|respondent(?:\s?id)?|"
    r"respondentid|collector\s?id|collectorid|response\s?id|responseid|recipient\w*|token|access code|"
    r"e\s?mail\w*|email\w*|mail(?:adres)?|ip|ip\s?ad+res+|ipaddr(?:ess)?|ip address|telefoon\w*|tel(?:\s?nr)?|"
    r"phone\w*|mobiel\w*|gsm|(?:post|woon)?adres|address|straat(?:naam)?|street|huisnummer|postcode|zip\s?code|"
    r"latitude|longitude|geo\s?locati\w*|locatie|bsn|geboortedatum|date of birth|external\s?(?:data\s?)?reference)"
    r"(?:\b|$)")
_PERSONAL_HEADER_WORDS = 4  # a longer header is a question ("Heeft u een contactpersoon ...?"), not a field name


def personal_header(header: str | None) -> bool:
    """True if a column header names a personal identifier (name, e-mail, IP, phone, address, respondent or
    collector id), in Dutch, English or a survey tool's older spelling."""
    if not header:
        return False
    key = fold(header)
    if not key or len(key.split()) > _PERSONAL_HEADER_WORDS:
        return False
    return bool(_PERSONAL_HEADER.search(key))


def _personal_content(cells: list[list[str]], i: int, sample: int = 200) -> bool:
    """True if most filled cells of column ``i`` hold e-mail addresses or phone numbers."""
    values = [r[i] for r in cells[:sample] if i < len(r) and r[i].strip()]
    if len(values) < 2:
        return False
    return sum(looks_personal(v) for v in values) * 2 > len(values)


def _likely_cause(header: str, index: HeaderIndex, name: str) -> str:
    """The most likely reason a header that resembles a question did not match it, as a sentence part."""
    odd = sorted({visible(ch) for ch in header if visible(ch) != ch})
    if odd:
        shown = ", ".join("'" + c + "'" for c in odd)
        return (f"most likely cause: invisible or non-standard character(s) {shown} in "
                "the header (remove them); ")
    key = fold_header(header)
    v = index.codebook.variable(name.split("__")[0])
    texts = [fold_header(t) for t in (v.question, *v.aliases)]
    if len(key) >= 12 and any(t.startswith(key) and t != key for t in texts):
        return "most likely cause: the header is the question text cut short (a length limit of the tool); "
    return ""


def map_headers(raw: RawTable, codebook: Codebook, index: HeaderIndex | None = None) -> HeaderMap:
    """Match every column of ``raw``; raise :class:`SurveyFileError` if the layout is unusable."""
    index = index or HeaderIndex(codebook)
    labels = raw.labels or [None] * len(raw.headers)
    targets: dict[int, Target] = {}
    ignored: list[int] = []
    personal: list[int] = []
    meta: list[int] = []
    unmatched: list[int] = []  # headers that match nothing (not even a tool's metadata column)
    for i, header in enumerate(raw.headers):
        if visible(header) != header:
            raw.decisions.append(f"header {raw.column_ref(i)}: invisible character(s) ignored for matching")
    for i, (header, label) in enumerate(zip(raw.headers, labels, strict=True)):
        if i in raw.personal:
            personal.append(i)
            continue
        if i in raw.preset:
            target = index.target(raw.preset[i])
            if target.kind == "ignore":
                meta.append(i)
            else:
                targets[i] = target
            continue
        target = index.match(header, label)
        if target is None and (personal_header(header) or personal_header(label)
                               or _personal_content(raw.cells, i)):
            personal.append(i)  # dropped before anything else; logged by name only
        elif target is None or target.kind == "ignore":
            ignored.append(i)
            if target is None and header.strip():
                unmatched.append(i)
        else:
            targets[i] = target
    hr = raw.header_row or None
    municipality = index.municipality
    seen: dict[Target, int] = {}
    for i, t in sorted(targets.items()):
        if t.variable == municipality:
            continue  # several municipality columns (code and name) are allowed
        if t in seen:
            raise SurveyFileError(
                f"{raw.where(hr)}: {raw.column_ref(seen[t])} and {raw.column_ref(i)} both hold "
                f"'{t.describe()}'; remove one of them", raw.path, hr, raw.headers[i],
            )
        seen[t] = i
    hmap = HeaderMap(targets, ignored, personal=personal, meta=meta)
    _check_ignored(raw, index, hmap)
    if not hmap.columns(municipality):
        v = codebook.variable(municipality)
        where = _header_place(raw)
        if raw.tool == "LimeSurvey":
            raise SurveyFileError(
                f"{raw.where(hr)}: a LimeSurvey export with question codes as headers ({where}); none is known "
                "to the codebook. Give the survey structure file (--structure survey.lss), export with question "
                "texts as headers, or map the codes in an overlay (wijkteam codebook suggest)",
                raw.path, hr, "gemeente",
            )
        raise SurveyFileError(
            f"{raw.where(hr)}: no municipality column; expected a header such as "
            f"{', '.join(repr(a) for a in v.aliases[:6])} ({where}; none of its {len(raw.headers)} headers is "
            "one; a file without a header row is not supported)",
            raw.path, hr, "gemeente",
        )
    missing: list[str] = []
    for v in codebook.variables:
        cols = hmap.columns(v.name)
        kinds = {t.kind for _, t in cols}
        if v.type == "multi" and {"tick", "list"} <= kinds:
            i = next(i for i, t in cols if t.kind == "list")
            raise SurveyFileError(
                f"{raw.where(hr)}: question '{v.name}' arrives both as one column per option and as a list "
                f"({raw.column_ref(i)}); keep one layout", raw.path, hr, raw.headers[i],
            )
        if v.type == "grid":
            by_group = {}
            for _, t in cols:
                by_group.setdefault(t.option, set()).add(t.kind)
            for g, ks in by_group.items():
                if len(ks) > 1:
                    raise SurveyFileError(
                        f"{raw.where(hr)}: grid group '{v.name}__{g}' arrives both as one column per form "
                        "and as a list; keep one layout", raw.path, hr, g,
                    )
        if not cols:
            if _required(v) and v.name != municipality:
                missing.append(f"'{v.name}' ({v.question})")
            elif v.role in ("substantive", "meta"):
                hmap.absent.append(v.name)
        elif v.type == "multi" and kinds == {"tick"}:
            have = {t.option for _, t in cols}
            hmap.absent += [f"{v.name}__{o.code}" for o in v.options if o.code not in have]
        elif v.type == "grid":
            ticks = {(t.option, t.form) for _, t in cols if t.kind == "grid_tick"}
            lists = {t.option for _, t in cols if t.kind == "grid_list"}
            for g in v.groups:
                if g.code in lists:
                    continue
                hmap.absent += [f"{v.name}__{g.code}__{f.code}" for f in v.forms if (g.code, f.code) not in ticks]
    if missing and not unmatched:
        # every header of the file is accounted for: the export asked fewer questions, so these are missing
        # for every row (listed as "not in file"), never guessed; an unmatched header could be one of them
        names = [m.split("'")[1] for m in missing]
        hmap.absent += names
        raw.decisions.append(
            f"question(s) {', '.join(names)} have no column and every header of the "
            "file is matched: the export leaves them out, so they are missing (NA) for every row")
        missing = []
    if missing:
        unknown = [visible(raw.headers[i])[:50] for i in unmatched]
        cause = (f"the export writes them under headers the codebook does not know (unmatched: "
                 f"{', '.join(repr(u) for u in unknown[:6])}{' ...' if len(unknown) > 6 else ''})" if unknown else
                 "the export leaves these questions out, or the header row is not the one found")
        raise SurveyFileError(
            f"{raw.where(hr)}: required question(s) without a column: {'; '.join(missing)} ({_header_place(raw)}); "
            f"most likely cause: {cause}. Fix: map the headers in an overlay (wijkteam codebook suggest EXPORT "
            "--wave W, then --codebook-overlay FILE) or export again with every question",
            raw.path, hr, ", ".join(m.split("'")[1] for m in missing),
        )
    return hmap


def _header_place(raw: RawTable) -> str:
    """Where the header was found, for messages."""
    if raw.kind in ("sav", "dta"):
        return "variable names and labels"
    rows = raw.header_rows or ((raw.header_row,) if raw.header_row else ())
    what = f"{raw.tool} export, " if raw.tool else ""
    if len(rows) > 1:
        return f"{what}{len(rows)} header rows detected ({raw.row_word}s {rows[0]}-{rows[-1]})"
    return f"{what}header {raw.row_word} {rows[0] if rows else 1}"
