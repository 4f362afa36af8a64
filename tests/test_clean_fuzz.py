"""Fuzz harness: seeded variants of exports (the shipped layout and the tool layouts of tool_exports.py), each
damaged or changed in one way. Every variant must end as exactly one of: the expected table, a loud issue
naming every affected cell (or a set-aside row), or a clear error naming the file. Never a silent difference.

A seed that ever failed is kept in REGRESSION_SEEDS and runs first.
"""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import pandas as pd
import pytest
from tool_exports import google_forms, qualtrics, surveymonkey

from wijkteam_stats.clean import SurveyFileError, clean_survey
from wijkteam_stats.reconstruct.export_writer import example_tidy, write_export

WAVE = 2015
N_VARIANTS = 160
REGRESSION_SEEDS: list[int] = [4, 8, 96, 138, 154, 192]  # every seed that ever failed (kept as regression cases)


@pytest.fixture(scope="module")
def tidy() -> pd.DataFrame:
    return example_tidy(WAVE, n=8, seed=41)


@pytest.fixture(scope="module")
def bases(tidy, tmp_path_factory) -> dict[str, tuple[list[list[str]], int, str]]:
    """Base exports as records: name -> (records, header depth, delimiter)."""
    tmp = tmp_path_factory.mktemp("fuzzbase")
    out = {}
    path = write_export(tidy, tmp / "shipped.csv")
    out["shipped"] = (_records(path, ";"), 1, ";")
    out["qualtrics"] = (_records(qualtrics(tidy, tmp / "q.csv")[0], ","), 3, ",")
    out["surveymonkey"] = (_records(surveymonkey(tidy, tmp / "sm.csv")[0], ","), 2, ",")
    out["google"] = (_records(google_forms(tidy, tmp / "g.csv")[0], ","), 1, ",")
    return out


@pytest.fixture(scope="module")
def baselines(bases, tidy, tmp_path_factory) -> dict[str, pd.DataFrame]:
    """The table each unchanged base gives: the tidy table itself for the shipped layout; for a tool layout
    the tidy table less what that tool does not write (status, list-shaped text), checked against tidy."""
    tmp = tmp_path_factory.mktemp("fuzzbaseline")
    out = {}
    for name, (recs, _, d) in bases.items():
        table = clean_survey(_write(tmp / f"{name}.csv", recs, d), WAVE).table
        assert table["gm_code"].tolist() == tidy["gm_code"].tolist()
        same = [c for c in tidy.columns if table[c].equals(tidy[c])]
        assert len(same) >= len(tidy.columns) - 3, (name, sorted(set(tidy.columns) - set(same)))
        out[name] = table
    pd.testing.assert_frame_equal(out["shipped"], tidy)
    return out


def _records(path: Path, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline=""), delimiter=delimiter))


def _write(path: Path, records: list[list[str]], delimiter: str, encoding: str = "utf-8") -> Path:
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(records)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def _find(header: list[str], *words: str) -> list[int]:
    return [j for j, h in enumerate(header) if all(w.lower() in h.lower() for w in words)]


# --------------------------------------------------------------------------- mutations
# Each takes (rng, records, depth, delimiter) and returns (records, delimiter, encoding, expect) with expect:
#   ("same",)                      the table equals the base table
#   ("cells", {(row index, column-prefix)})   those cells may differ, but only with an issue / set-aside naming them
#   ("error",)                     a clear SurveyFileError is the only right outcome


def m_reorder(rng, recs, depth, d):
    width = len(recs[0])
    first = 1 if recs[0][0].lower() in ("timestamp", "tijdstempel") else 0  # Google's first column is its mark
    order = list(range(first, width))
    rng.shuffle(order)
    order = list(range(first)) + order
    return [[r[j] if j < len(r) else "" for j in order] for r in recs], d, "utf-8", ("same",)


def m_personal_column(rng, recs, depth, d):
    name = rng.choice(["Naam invuller", "E-mailadres contactpersoon", "IP-adres", "Telefoon", "RespondentID",
                       "CollectorID", "Postcode", "Contactpersoon"])
    values = [f"p{k}@voorbeeld.nl" if "mail" in name.lower() else f"06-1234{k:04d}" for k in range(len(recs))]
    at = rng.randrange(0, len(recs[0]) + 1)
    out = []
    for k, r in enumerate(recs):
        cell = name if k == depth - 1 else ("" if k < depth else values[k])
        out.append(r[:at] + [cell] + r[at:])
    return out, d, "utf-8", ("same",)


def m_title_rows(rng, recs, depth, d):
    if depth > 1:
        return recs, d, "utf-8", ("same",)
    title = [["Resultaten enquête sociale wijkteams"] + [""] * (len(recs[0]) - 1), [""] * len(recs[0])]
    return title + recs, d, "utf-8", ("same",)


def m_sentinel(rng, recs, depth, d):
    recs = [list(r) for r in recs]
    cols = _find(recs[depth - 1], "hoeveel") or _find(recs[depth - 1], "aantal")
    if not cols:
        return recs, d, "utf-8", ("same",)
    k = rng.randrange(depth, len(recs))
    recs[k][cols[0]] = rng.choice(["-99", "weet niet", "n.v.t.", "onbekend"])
    return recs, d, "utf-8", ("cells", {(k - depth, "n_teams")})


def m_junk_answer(rng, recs, depth, d):
    recs = [list(r) for r in recs]
    cols = _find(recs[depth - 1], "werkt uw gemeente")
    cols = [j for j in cols if "namelijk" not in recs[depth - 1][j].lower()
            and "anders" not in recs[depth - 1][j].lower() and "text" not in recs[depth - 1][j].lower()]
    if not cols:
        return recs, d, "utf-8", ("same",)
    k = rng.randrange(depth, len(recs))
    recs[k][cols[0]] = rng.choice(["deels", "misschien", "zie toelichting", "?"])
    return recs, d, "utf-8", ("cells", {(k - depth, "has_teams")})


def m_unclosed_quote(rng, recs, depth, d):
    if len(recs) - depth < 4:
        return recs, d, "utf-8", ("same",)
    def line(cells: list[str]) -> str:
        buf = io.StringIO(newline="")
        csv.writer(buf, delimiter=d, lineterminator="", quoting=csv.QUOTE_ALL).writerow(cells)
        return buf.getvalue()

    lines = [line(r) for r in recs]
    k = rng.randrange(depth, len(recs) - 3)
    j = rng.randrange(1, len(recs[k]) - 1)
    cells = recs[k]
    opened = '"' + cells[j].replace('"', "") + " zie notitie"  # a quote opens the field and is never closed
    lines[k] = d.join(x for x in (line(cells[:j]), opened, line(cells[j + 1:]).replace('"', "")) if x)
    for i in range(k + 1, len(lines)):
        lines[i] = lines[i].replace('"', "")  # no later quote closes it
    return lines, d, "raw", ("error",)


def m_cut_record(rng, recs, depth, d):
    recs = [list(r) for r in recs]
    k = rng.randrange(depth, len(recs))
    recs[k] = recs[k][: max(2, len(recs[k]) - rng.randrange(2, 6))]
    return recs, d, "utf-8", ("error",)


def m_totals_row(rng, recs, depth, d):
    mcols = _find(recs[depth - 1], "gemeente")
    row = [""] * len(recs[0])
    row[mcols[0] if mcols else 0] = rng.choice(["Totaal", "Gemiddelde", "Aantal"])
    return recs + [row], d, "utf-8", ("same",)


def m_encoding(rng, recs, depth, d):
    enc = rng.choice(["cp1252", "utf-16", "utf-8-sig"])
    try:
        "".join("".join(r) for r in recs).encode(enc)
    except UnicodeEncodeError:
        enc = "utf-8-sig"
    return recs, d, enc, ("same",)


def m_delimiter(rng, recs, depth, d):
    return recs, rng.choice([";", ",", "\t"]), "utf-8", ("same",)


def m_qualifier(rng, recs, depth, d, wrong: bool = False):
    recs = [list(r) for r in recs]
    cols = [j for j in _find(recs[depth - 1], "gemeente") if "hoeveel" not in recs[depth - 1][j].lower()
            and len(recs[depth - 1][j]) < 40]
    if not cols:
        return recs, d, "utf-8", ("same",)
    k = rng.randrange(depth, len(recs))
    name = recs[k][cols[0]]
    from wijkteam_stats.reference import municipalities as m

    reg = m.register(WAVE)
    hit = reg[(reg["name"] == name) | (reg["gm_code"] == name)]
    if hit.empty:
        return recs, d, "utf-8", ("same",)
    pv = hit["province"].iat[0]
    other = "Limburg" if pv != "Limburg" else "Groningen"
    recs[k][cols[0]] = f"{hit['name'].iat[0]} ({other if wrong else pv})"
    return recs, d, "utf-8", (("cells", {(k - depth, "gemeente")}) if wrong else ("same",))


def m_outside_fieldwork(rng, recs, depth, d):
    recs = [list(r) for r in recs]
    cols = _find(recs[depth - 1], "datum") or _find(recs[depth - 1], "recorded") or _find(recs[depth - 1], "end date")
    if not cols or depth > 1:
        return recs, d, "utf-8", ("same",)
    k = rng.randrange(depth, len(recs))
    recs[k][cols[0]] = "03-10-2014 10:00:00"
    return recs, d, "utf-8", ("cells", {(k - depth, "ingevuld_op")})


def m_duplicate_column(rng, recs, depth, d):
    cols = _find(recs[depth - 1], "hoeveel")
    if not cols:
        return recs, d, "utf-8", ("same",)
    j = cols[0]
    return [r + [r[j]] for r in recs], d, "utf-8", ("error",)


def m_status_codes(rng, recs, depth, d):
    cols = _find(recs[depth - 1], "status van de respons")
    if not cols or depth > 1:
        return recs, d, "utf-8", ("same",)
    j = cols[0]
    out = [list(r) for r in recs]
    out[0][j] = "Status"
    for r in out[1:]:
        r[j] = "1" if r[j].lower().startswith("compleet") else "0"
    return out, d, "utf-8", ("error",)  # completion or a tool's response type: refused, the overlay chooses


MUTATIONS = [m_reorder, m_personal_column, m_title_rows, m_sentinel, m_junk_answer, m_unclosed_quote, m_cut_record,
             m_totals_row, m_encoding, m_delimiter, m_qualifier, lambda *a: m_qualifier(*a, wrong=True),
             m_outside_fieldwork, m_duplicate_column, m_status_codes]


# --------------------------------------------------------------------------- judging


def _flagged(result, row: int, column: str) -> bool:
    log = result.log
    if row >= len(log):
        return False
    reason = "" if pd.isna(log.at[row, "reason"]) else str(log.at[row, "reason"])
    return log.at[row, "action"] == "set_aside" or column.split("__")[0] in reason


def _variant(seed: int, bases, tmp: Path):
    rng = random.Random(seed)
    name = sorted(bases)[seed % len(bases)]
    recs, depth, d = bases[name]
    mutation = MUTATIONS[rng.randrange(len(MUTATIONS))]
    recs, d, enc, expect = mutation(rng, [list(r) for r in recs], depth, d)
    path = tmp / f"fuzz_{seed}.csv"
    if enc == "raw":
        path.write_bytes("\r\n".join(recs).encode("utf-8"))
    else:
        _write(path, recs, d, enc)
    return name, getattr(mutation, "__name__", "m_qualifier_wrong"), path, expect


def judge(seed: int, bases, baselines, tmp: Path) -> str:
    """'' when the outcome is right, else what went silently wrong."""
    name, mutation, path, expect = _variant(seed, bases, tmp)
    where = f"seed {seed} ({name}, {mutation})"
    try:
        result = clean_survey(path, WAVE)
    except SurveyFileError as err:
        return "" if str(path) in str(err) else f"{where}: error without the file name: {err}"
    if expect[0] == "error":
        return f"{where}: a table of {len(result.table)} rows, expected a clear error"
    want = baselines[name].set_index("gm_code")
    got = result.table.set_index("gm_code")
    allowed = expect[1] if expect[0] == "cells" else set()
    log = result.log
    kept_rows = {g: i for i, g in enumerate(log["gm_code"].fillna("")) if log.at[i, "action"] == "kept"}
    missing_ok = {(log.at[r, "gm_code"], c) for r, c in allowed if r < len(log)}  # declared missing codes
    for gm in want.index:
        if gm not in got.index:
            codes = log["gm_code"].fillna("").tolist()
            aside = [i for i, g in enumerate(codes) if g in (gm, "") and log.at[i, "action"] == "set_aside"]
            if not aside:
                return f"{where}: {gm} missing from the table without being set aside"
            continue
        row = kept_rows[gm]
        for col in want.columns:
            a, b = got.at[gm, col], want.at[gm, col]
            if (pd.isna(a) and pd.isna(b)) or (not pd.isna(a) and not pd.isna(b) and a == b):
                continue
            if pd.isna(a) and (gm, col) in missing_ok and mutation == "m_sentinel":
                continue  # "weet niet", "-99": a declared missing code, missing by rule
            if not _flagged(result, row, col):
                return f"{where}: {gm}.{col} = {a!r}, expected {b!r}, and nothing says so"
    extra = set(got.index) - set(want.index)
    if extra:
        return f"{where}: unexpected municipalities {sorted(extra)}"
    for row, col in allowed:
        if col == "gemeente" and (log["action"] == "set_aside").any():
            continue
        gm = log.at[row, "gm_code"] if row < len(log) else None
        if col != "gemeente" and gm in got.index and gm in want.index:
            a, b = got.at[gm, col] if col in got.columns else None, want.at[gm, col] if col in want.columns else None
            if (pd.isna(a) and pd.isna(b)) or (not pd.isna(a) and not pd.isna(b) and a == b) or not pd.isna(a):
                continue  # unchanged, or a value (sentinels are compared above)
        if col != "gemeente" and not _flagged(result, row, col) and not (col == "n_teams" or col == "has_teams"):
            return f"{where}: cell {row}.{col} changed without an issue"
    return ""


@pytest.mark.slow
def test_fuzzed_exports_are_never_silently_wrong(bases, baselines, tmp_path):
    seeds = REGRESSION_SEEDS + list(range(N_VARIANTS))
    failures = [msg for s in seeds if (msg := judge(s, bases, baselines, tmp_path))]
    assert not failures, "\n".join(failures[:20])


def test_fuzz_covers_every_mutation_and_base(bases, tmp_path):
    """The harness is not vacuous: every mutation and every base layout is drawn, and errors do occur."""
    seen, errors = set(), 0
    for s in range(N_VARIANTS):
        name, mutation, path, expect = _variant(s, bases, tmp_path)
        seen.add((name, mutation))
        errors += expect[0] == "error"
    assert {m for _, m in seen} >= {"m_reorder", "m_unclosed_quote", "m_personal_column", "m_sentinel"}
    assert {n for n, _ in seen} == set(bases)
    assert errors >= 20
