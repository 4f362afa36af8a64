"""Column headers of a survey export matched to codebook variables through their aliases.

A header is matched, in this order, as
1. a tidy or variable name, exactly (``n_teams``, ``team_type__breed_integraal``, ``involvement__wijkbewoners``);
2. a variable alias or question text after folding (case, accents, numbering such as "3." / "Q3" / "V3a",
   punctuation, spaces); a multi-select question matched this way holds a list of options in one column;
3. "<question> - <option>" (also ``: ``, `` / ``, `` | `` or "<question> [<option>]"): one column per option;
4. "[<grid question> - ]<group> - <form>": one grid cell per column; "[<grid question> - ]<group>" holds a
   list of forms.
Headers that match nothing are ignored and reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from wijkteam_stats.clean.errors import SurveyFileError
from wijkteam_stats.clean.fold import fold, strip_numbering
from wijkteam_stats.clean.readers import RawTable
from wijkteam_stats.reference.codebook import Codebook, Variable

_SEPARATORS = re.compile(r"\s+[-–]\s+|\s*:\s+|\s+/\s+|\s*\|\s*")
_BRACKET_PART = re.compile(r"\s*\[([^\]]*)\]")


@dataclass(frozen=True)
class Target:
    """What one export column holds."""

    kind: str  # "value", "tick" (one multi option), "list" (multi as list), "grid_tick", "grid_list"
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


class HeaderIndex:
    """Lookup tables of a codebook for header matching."""

    def __init__(self, codebook: Codebook):
        self.codebook = codebook
        self.exact: dict[str, Target] = {}
        self.variables: dict[str, str] = {}
        self.options: dict[str, dict[str, str]] = {}
        self.groups: dict[str, dict[str, str]] = {}
        self.forms: dict[str, dict[str, str]] = {}
        for v in codebook.variables:
            self._add_variable(v)
        self.exact.setdefault("gm_code", Target("value", self._municipality_name()))

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
        return self._match_prefix(key)

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

    def columns(self, variable: str, kind: str | None = None) -> list[tuple[int, Target]]:
        """The (column index, target) pairs of a variable, in file order."""
        return [(i, t) for i, t in sorted(self.targets.items())
                if t.variable == variable and (kind is None or t.kind == kind)]


def _required(v: Variable) -> bool:
    return v.role in ("substantive", "id") and v.required and v.type not in ("text",)


def map_headers(raw: RawTable, codebook: Codebook) -> HeaderMap:
    """Match every column of ``raw``; raise :class:`SurveyFileError` if the layout is unusable."""
    index = HeaderIndex(codebook)
    labels = raw.labels or [None] * len(raw.headers)
    targets: dict[int, Target] = {}
    ignored: list[int] = []
    for i, (header, label) in enumerate(zip(raw.headers, labels, strict=True)):
        target = index.match(header, label)
        if target is None:
            ignored.append(i)
        else:
            targets[i] = target
    hr = raw.header_row or None
    municipality = index._municipality_name()
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
    hmap = HeaderMap(targets, ignored)
    if not hmap.columns(municipality):
        v = codebook.variable(municipality)
        raise SurveyFileError(
            f"{raw.where(hr)}: no municipality column; expected a header such as "
            f"{', '.join(repr(a) for a in v.aliases[:6])} (none of the {len(raw.headers)} headers is one; a file "
            "without a header row is not supported)",
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
    if missing:
        raise SurveyFileError(
            f"{raw.where(hr)}: required question(s) without a column: {'; '.join(missing)}",
            raw.path, hr, ", ".join(m.split("'")[1] for m in missing),
        )
    return hmap
