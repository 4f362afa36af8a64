"""``clean_survey``: one raw survey export in, one validated tidy table and a complete log out."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from wijkteam_stats.clean.answers import Answers, ColumnError
from wijkteam_stats.clean.deidentify import (
    KINDS,
    KnownPersons,
    deidentify_columns,
    describe_row,
    placeholder_counts,
)
from wijkteam_stats.clean.errors import SurveyFileError
from wijkteam_stats.clean.fold import fold, visible
from wijkteam_stats.clean.headers import HeaderIndex, HeaderMap, map_headers
from wijkteam_stats.clean.items import build_items
from wijkteam_stats.clean.log import (
    CellIssue,
    CleanSummary,
    check_log_complete,
    check_table_matches_log,
    make_log,
)
from wijkteam_stats.clean.municipality import MunicipalityResolver, is_test_name
from wijkteam_stats.clean.overlay import Overlay, load_overlay
from wijkteam_stats.clean.readers import RawTable
from wijkteam_stats.clean.safety import MASK_PERSONAL, looks_personal, mask_given, mask_values, show
from wijkteam_stats.clean.schema import validate_tidy
from wijkteam_stats.clean.shapes import locate
from wijkteam_stats.reference.codebook import Codebook, load_codebook
from wijkteam_stats.reference.provenance import read_provenance
from wijkteam_stats.reference.wave_settings import load_wave_settings

DUPLICATE_RULE = "complete over partial, then latest timestamp, then last row"
_MARKER = r"^'(?=[=+\-@\t\r])"  # the single quote that neutralises a formula in CSV/XLSX
_TOTALS = re.compile(r"^(?:(?:sub|eind)?tota(?:al|l|len|ux)|grand total|som|gemiddelde?|average|mean|n|aantal|"
                     r"count|sum)(?: .*)?$")
_PROVINCE_HEADERS = ("provincie", "province", "prov", "provincie gemeente")
_YEAR = re.compile(r"(?<!\d)(19\d\d|20\d\d)(?!\d)")


class CleanResult(NamedTuple):
    """The tidy table, the log (one row per input row) and the summary of one cleaning run."""

    table: pd.DataFrame
    log: pd.DataFrame
    summary: CleanSummary


def _prepared(raw: RawTable) -> pd.DataFrame:
    """Cells stripped of outer spaces and of the leading quote that neutralised a formula; value maps
    (numeric recodes, answer codes) applied."""
    frame = raw.frame()
    marker = re.compile(_MARKER)
    for c in frame.columns:
        col = frame[c]
        table = {u: marker.sub("", u.strip(), count=1) for u in pd.unique(col)}  # once per distinct value
        frame[c] = col.map(table)
    for c, vmap in raw.value_maps.items():
        folded = {str(k).strip().lower(): str(v) for k, v in vmap.items()}
        frame[c] = frame[c].map(lambda x, f=folded: f.get(x.lower(), x) if x else x)
    return frame


def _wave_of(text: str) -> int | None | str:
    """The wave (a year) a wave cell names: an int, None if empty, the text if unreadable."""
    if not text:
        return None
    years = set(_YEAR.findall(text))
    if len(years) == 1 and fold(_YEAR.sub("", text)) in ("", "meting", "wave", "jaar", "peiling", "ronde",
                                                          "najaar", "voorjaar", "year"):
        return int(years.pop())
    return text


def _role_columns(hmap: HeaderMap, codebook: Codebook, role: str) -> list[int]:
    return [i for i, t in sorted(hmap.targets.items()) if codebook.variable(t.variable).role == role]


def clean_survey(path: str | Path, wave: int, sheet: str | None = None,
                 codebook: Codebook | None = None, *, structure: str | Path | None = None,
                 overlay: str | Path | Overlay | None = None, date_order: str | None = None,
                 keep_outside_fieldwork: bool = False) -> CleanResult:
    """Clean a raw survey export (CSV/TSV, XLSX, XLS, ODS, SAV or DTA) of ``wave`` into the validated tidy table.

    ``structure``: a LimeSurvey survey structure file (``.lss``) naming question and answer codes.
    ``overlay``: a codebook overlay (YAML, see ``wijkteam codebook suggest``) mapping headers and answer values.
    ``date_order``: ``"dmy"`` or ``"mdy"`` for a timestamp column whose order the values cannot decide.
    ``keep_outside_fieldwork``: keep responses dated outside the wave's fieldwork (``waves.yaml``; noted in
    the log) instead of setting them aside.
    Raises :class:`~wijkteam_stats.clean.SurveyFileError` when the file is unusable (unreadable, no
    municipality column, a required question missing, a malformed row, an ambiguous column).
    """
    wave = int(wave)
    cb = (codebook or load_codebook()).for_wave(wave)  # only the questions this wave asked
    try:
        year = cb.register_year(wave)
    except KeyError as err:
        raise ValueError(str(err.args[0])) from None
    ov = overlay if isinstance(overlay, Overlay) or overlay is None else load_overlay(overlay, cb)
    ov = ov or Overlay()
    raw = locate(path, cb, sheet, structure, ov.headers)
    index = HeaderIndex(cb, ov.headers)
    hmap = map_headers(raw, cb, index)
    for i, t in hmap.targets.items():
        vmap = ov.values.get(t.variable)
        if vmap:
            raw.value_maps[i] = {**raw.value_maps.get(i, {}), **vmap}
    frame = _prepared(raw)
    _refuse_ambiguous_status(raw, hmap, frame)
    answers = Answers(cb)
    n = len(frame)

    try:
        items, issues = build_items(frame, hmap, cb, answers, date_order or ov.date_order)
    except ColumnError as err:
        cols = hmap.columns(err.variable)
        col = cols[0][0] if cols else None
        raise SurveyFileError(f"{raw.where(raw.header_row or None, col)}: {err}", raw.path, None,
                              raw.headers[col] if col is not None else err.variable) from None
    substantive = [c for c in items.columns if cb.variable(c.split("__")[0]).role == "substantive"]
    has_answers = items[substantive].notna().any(axis=1).to_numpy()
    all_empty = (frame == "").all(axis=1).to_numpy()

    personal_cols = sorted(set(_role_columns(hmap, cb, "personal")) | set(hmap.personal))
    personal = [[frame.iat[pos, i] for i in personal_cols if frame.iat[pos, i]] for pos in range(n)]
    # one de-identification step for every free-text column, however it was filled (answer, "namelijk")
    text_columns = [v.name for v in cb.variables if v.type == "text" and v.name in items.columns]
    items, masked = deidentify_columns(items, text_columns, [KnownPersons.from_values(p) for p in personal])
    municipality = next(v.name for v in cb.variables if v.type == "municipality")
    muni_cols = [i for i, _ in hmap.columns(municipality)]
    province_col = next((i for i in hmap.ignored if fold(raw.headers[i]) in _PROVINCE_HEADERS), None)
    wave_values: list | None = None
    wave_cols = hmap.columns("wave", "value")
    if wave_cols:
        wave_values = [_wave_of(x) for x in frame[wave_cols[0][0]]]
        several = any(w is not None and w != wave for w in wave_values)

    fieldwork = _fieldwork(wave)
    if fieldwork is not None and read_provenance(path).kind == "self-reported":
        # a zelfscan is filled in years after the wave's fieldwork: its date is when, not which wave
        fieldwork = None
        raw.decisions.append("fieldwork: not applied (the provenance record says self-reported answers: "
                             "the date is when they were filled in, not the wave's fieldwork)")
    stamps = (items["ingevuld_op"].to_numpy(dtype=object, na_value=None) if "ingevuld_op" in items
              else [None] * n)
    row_issues: dict[int, list[str]] = {}
    for pos, msg in issues:
        text = mask_values(msg, personal[pos])  # quoted values were masked before shortening; names now
        row_issues.setdefault(pos, []).append(text)
        counts = placeholder_counts(text)
        if counts:
            masked[pos].setdefault("reason", Counter()).update(counts)

    action: list[str | None] = [None] * n
    reason: list[str] = [""] * n
    cands: list[str] = [""] * n
    codes: list[str | None] = [None] * n
    given: list[str] = [""] * n
    resolver = MunicipalityResolver(year)

    for pos in range(n):
        if all_empty[pos]:
            action[pos], reason[pos] = "dropped", "empty row"
            continue
        texts = [frame.iat[pos, i] for i in muni_cols if frame.iat[pos, i]]
        given[pos] = mask_given(" / ".join(texts), personal[pos]) if texts else ""
        if pos in raw.pre_actions:
            action[pos], reason[pos] = raw.pre_actions[pos]
            continue
        if texts and any(_TOTALS.match(fold(t)) for t in texts):
            action[pos], reason[pos] = "dropped", "totals or summary row, not a response"
            continue
        if not texts:
            if has_answers[pos]:
                action[pos], reason[pos] = "set_aside", "no municipality given; the answers cannot be attributed"
            else:
                action[pos], reason[pos] = "dropped", "no municipality and no answers (survey opened, not filled in)"
            continue
        if any(is_test_name(t) for t in texts):
            action[pos], reason[pos] = "dropped", "test response"
            continue
        if given[pos] == MASK_PERSONAL or any(looks_personal(t) for t in texts):
            action[pos] = "set_aside"
            reason[pos] = "the municipality cell holds personal data (masked here), not a municipality"
            continue
        pv = frame.iat[pos, province_col] if province_col is not None else ""
        results = [resolver(t, pv) for t in texts]
        found = sorted({r.code for r in results if r.code})
        if len(found) > 1:
            action[pos], reason[pos] = "set_aside", "the municipality columns name different municipalities"
            cands[pos] = "; ".join(found)
            continue
        if not found:
            first = next(r for r in results if r.code is None)
            action[pos], reason[pos] = "set_aside", first.reason or "unknown municipality"
            cands[pos] = "; ".join(first.candidates)
            continue
        codes[pos] = found[0]
        for note in [r.reason for r in results if r.code and r.reason]:  # a former municipality read as its successor
            row_issues.setdefault(pos, []).append(note)
        if not has_answers[pos]:
            action[pos], reason[pos] = "dropped", "no answers (only municipality and meta data)"
            continue
        if wave_values is not None and wave_values[pos] != wave:
            w = wave_values[pos]
            if isinstance(w, int):
                action[pos], reason[pos] = "set_aside", f"the row belongs to wave {w}, not {wave}"
                continue
            if isinstance(w, str):
                action[pos] = "set_aside"
                reason[pos] = f"the wave column holds '{show(w, 30)}', not a year; cannot tell the wave"
                continue
            if several:
                action[pos] = "set_aside"
                reason[pos] = "the wave column is empty in this row while the file holds several waves"
                continue
        outside = _outside(stamps[pos], fieldwork)
        if outside:
            if not keep_outside_fieldwork:
                action[pos], reason[pos] = "set_aside", (
                    f"{outside}; set aside (keep it with --keep-outside-fieldwork / keep_outside_fieldwork=True)")
                continue
            row_issues.setdefault(pos, []).append(f"ingevuld_op: {outside}; kept (--keep-outside-fieldwork)")
        action[pos] = "candidate"

    _resolution_duplicates(action, reason, cands, codes, given, raw, resolver)
    _deduplicate(action, reason, codes, items, raw)

    for pos in range(n):
        if action[pos] in ("kept", "merged", "set_aside") and pos in row_issues:
            note = "cell issues: " + " | ".join(row_issues[pos])
            reason[pos] = f"{reason[pos]}; {note}" if reason[pos] else note
    log = make_log(raw.rows, [g or pd.NA for g in given], codes, action,
                   [r or pd.NA for r in reason], [c or pd.NA for c in cands],
                   [describe_row(m) or pd.NA for m in masked])
    check_log_complete(log, raw.rows)

    kept = [pos for pos in range(n) if action[pos] == "kept"]
    table = _assemble(items, kept, codes, wave, cb)
    check_table_matches_log(table, log)
    table = validate_tidy(table, wave, cb)

    totals: Counter = Counter()
    for row in masked:
        for counts in row.values():
            totals.update(counts)
    summary = CleanSummary(
        path=str(raw.path), wave=wave, rows_read=n, tool=raw.tool, notes=tuple(raw.notes),
        tool_columns=tuple(_header_name(raw, i) for i in hmap.meta),
        kept=action.count("kept"), merged=action.count("merged"),
        dropped=action.count("dropped"), set_aside=action.count("set_aside"),
        dialect=raw.dialect,
        ignored_columns=tuple(_header_name(raw, i) for i in hmap.ignored),
        personal_columns=tuple(_header_name(raw, i) for i in personal_cols),
        absent_columns=tuple(hmap.absent),
        masked=tuple((k, totals[k]) for k in KINDS if totals[k]),
        cell_issues=tuple(
            CellIssue(raw.rows[pos], msg.split(":", 1)[0], msg)
            for pos in kept for msg in row_issues.get(pos, [])
        ),
        decisions=tuple(_decisions(raw, muni_cols, province_col, fieldwork, keep_outside_fieldwork, reason)),
    )
    return CleanResult(table, log, summary)


def _decisions(raw: RawTable, muni_cols: list[int], province_col: int | None, fieldwork, keep: bool,
               reasons: list[str]) -> list[str]:
    """The interpretations of this run with their evidence, for the summary (see the README's reader section)."""
    out = list(raw.decisions)
    cols = ", ".join(raw.column_ref(i) for i in muni_cols)
    out.append(f"municipality: from {cols}" + (" (every column must name the same municipality)"
                                               if len(muni_cols) > 1 else "")
               + (f"; province qualifier from {raw.column_ref(province_col)}" if province_col is not None else ""))
    if fieldwork is not None:
        outside = sum("outside the wave's fieldwork" in r for r in reasons)
        out.append(f"fieldwork: {fieldwork[2]} (data/raw/waves.yaml); {outside} response(s) dated outside it "
                   + ("kept (--keep-outside-fieldwork)" if keep else "set aside"))
    return out


def _fieldwork(wave: int) -> tuple[pd.Timestamp, pd.Timestamp, str] | None:
    """The wave's fieldwork (first day, day after the last, label) from ``waves.yaml``; None if not listed."""
    settings = load_wave_settings().get(wave)
    if settings is None:
        return None
    return (pd.Timestamp(settings.fieldwork_start), pd.Timestamp(settings.fieldwork_end) + pd.Timedelta(days=1),
            f"{settings.fieldwork_start.isoformat()} to {settings.fieldwork_end.isoformat()}")


def _outside(stamp: object, fieldwork: tuple[pd.Timestamp, pd.Timestamp, str] | None) -> str:
    """Why a response's timestamp lies outside the fieldwork ("" when inside, undated or no fieldwork)."""
    if fieldwork is None or stamp is None or pd.isna(stamp):
        return ""
    ts = pd.Timestamp(stamp)
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    start, end, label = fieldwork
    if start <= ts < end:
        return ""
    return f"dated {ts.date().isoformat()}, outside the wave's fieldwork ({label}, data/raw/waves.yaml)"


def _header_name(raw: RawTable, i: int) -> str:
    h = raw.headers[i]
    if not h:
        return f"(column {i + 1} without header)"
    if looks_personal(h):  # an e-mail address, phone number, BSN or IBAN in a header: the whole header masked
        return MASK_PERSONAL
    # a header is the tool's or the researcher's text, not a respondent's: shown as written (invisible characters
    # escaped), never name- or address-masked ("Custom Data 1" is no street with a house number)
    text = visible(str(h).replace("\r", " ").replace("\n", " "))
    return text if len(text) <= 80 else text[:79] + "…"


def _refuse_ambiguous_status(raw: RawTable, hmap: HeaderMap, frame: pd.DataFrame) -> None:
    """A bare "Status" column of number codes that no tool shape explained fits two readings: completion
    (1 = complete) or a survey tool's response type (Qualtrics: 0 = normal, 1 = preview). Refuse and name the
    overlay line that chooses."""
    for i, _ in hmap.columns("status", "value"):
        if i in raw.preset or fold(raw.headers[i]) != "status":
            continue
        values = {v for v in frame[i] if v}
        if values and all(v.isdigit() for v in values):
            raise SurveyFileError(
                f"{raw.where(raw.header_row or None, i)}: a 'Status' column of codes "
                f"({', '.join(sorted(values)[:6])}) fits two readings: completion (1 = complete, 0 = partial) or "
                "a survey tool's response type (e.g. Qualtrics: 0 = normal, 1 = preview, 2 = test), and no tool "
                "layout was recognised to decide. Choose in an overlay: headers: {\"Status\": status} for "
                "completion, or headers: {\"Status\": null} to ignore it (--codebook-overlay FILE)",
                raw.path, raw.header_row or None, raw.headers[i])


def _resolution_duplicates(action: list, reason: list, cands: list, codes: list, given: list, raw: RawTable,
                           resolver: MunicipalityResolver) -> None:
    """Rows that write different municipalities which resolve to one code ("Bergen" and "Bergen (L.)" read
    as one, a name and a stray code) are a duplicate created by resolution, not a re-submission: all are set
    aside naming every reading, never merged."""
    by_code: dict[str, list[int]] = {}
    for pos, a in enumerate(action):
        if a == "candidate":
            by_code.setdefault(codes[pos], []).append(pos)
    for code, positions in by_code.items():
        written = {resolver.written_as(given[p]) for p in positions}
        if len(positions) < 2 or len(written) < 2:
            continue
        readings = "; ".join(f"{raw.row_word} {raw.rows[p]} '{given[p]}'" for p in positions)
        for p in positions:
            action[p] = "set_aside"
            reason[p] = (f"duplicate created by resolution: {readings} all resolve to {code}; different "
                         "municipality texts are not merged as a re-submission; correct the municipality cell(s)")
            cands[p] = code


def _deduplicate(action: list, reason: list, codes: list, items: pd.DataFrame, raw: RawTable) -> None:
    """Keep one row per municipality: complete over partial, then latest timestamp, then last row."""
    word = raw.row_word
    by_code: dict[str, list[int]] = {}
    for pos, a in enumerate(action):
        if a == "candidate":
            by_code.setdefault(codes[pos], []).append(pos)
    n = len(items)
    status = (items["status"].to_numpy(dtype=object, na_value=None) if "status" in items else [None] * n)
    stamps = (items["ingevuld_op"].to_numpy(dtype=object, na_value=None) if "ingevuld_op" in items else [None] * n)
    floor = pd.Timestamp.min

    def key(pos: int) -> tuple:
        ts = stamps[pos]
        return (status[pos] == "compleet", floor if ts is None or pd.isna(ts) else pd.Timestamp(ts), pos)

    grid = None
    columns = list(items.columns)
    for code, positions in by_code.items():
        if len(positions) > 1 and grid is None:
            grid = list(zip(*(items[c].to_numpy(dtype=object, na_value=None) for c in columns), strict=True))
        winner = max(positions, key=key)
        losers = [p for p in positions if p != winner]
        action[winner] = "kept"
        notes = []
        if status[winner] == "gedeeltelijk":
            notes.append("partial response; unanswered items kept as missing")
        if losers:
            rows = ", ".join(str(raw.rows[p]) for p in losers)
            notes.append(f"kept over duplicate {word}(s) {rows} ({DUPLICATE_RULE})")
        reason[winner] = "; ".join(notes)
        for p in losers:
            action[p] = "merged"
            reason[p] = f"duplicate of {code}; {word} {raw.rows[winner]} kept ({DUPLICATE_RULE})"
            diff = _conflicts(columns, grid[p], grid[winner])
            if diff:
                reason[p] += f"; differs from the kept response in: {diff}"


def _conflicts(columns: list[str], loser, winner, limit: int = 12) -> str:
    """The cells where a dropped duplicate disagrees with the kept response: "col = dropped (kept: value)"."""
    out = []
    for c, a, b in zip(columns, loser, winner, strict=True):
        if a is None and b is None:
            continue
        if a is None or b is None or a != b:
            out.append(f"{c} = {_cell(a)} (kept: {_cell(b)})")
    if len(out) > limit:
        out = out[:limit] + [f"and {len(out) - limit} more"]
    return "; ".join(out)


def _cell(x: object) -> str:
    if x is None:
        return "missing"
    if isinstance(x, pd.Timestamp):
        return x.isoformat(sep=" ")
    return f"'{show(x, 40)}'" if isinstance(x, str) else str(x)


def _assemble(items: pd.DataFrame, kept: list[int], codes: list, wave: int, cb: Codebook) -> pd.DataFrame:
    dtypes = cb.tidy_columns()
    table = items.iloc[kept].copy()
    table.insert(0, "gm_code", [codes[p] for p in kept])
    table.insert(1, "wave", wave)
    for c, dtype in dtypes.items():
        if c not in table:
            table[c] = pd.Series(pd.NA, index=table.index, dtype=dtype)
    table = table[list(dtypes)].astype(dtypes)
    return table.sort_values("gm_code", kind="stable").reset_index(drop=True)
