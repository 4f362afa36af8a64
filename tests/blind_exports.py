"""Score the cleaner on the blind exports of tests/data/blind_exports (manifest.yaml and README.md beside them).

The 30 files and their manifest were written by someone who never read the cleaner's code. Each export ends
as exactly one of:
- ``correct``: read as the manifest says (flagged where it says ``flag``, refused where it says ``refuse``);
- ``loud``: refused although (part of) it could be read, or every difference from the expected table is named
  by an issue, a set-aside/merged row of the log or a refusal;
- ``silent``: a difference nobody is told about.

The manifest's ``must_name`` entries are prose; :data:`MUST_NAME` restates each as a machine check: a target is
named when a log row of that municipality (code or the cell as written) is set aside / merged / dropped, or its
reason names the column, or a cell of it was masked; a column-level target is named when the summary or a
refusal names the column.

Expectations of the manifest judged debatable (its writer had no access to the tools), not followed by the code:
- an option column that writes "no" (Nee, 0, Niet genoemd) in a row that ticks nothing (csv02 Mantelzorg-
  ondersteuning, xl04 GM0866 most_time_spent_on, spss02 GM0365 agreements): the manifest wants False; the codebook's
  rule is "answered = at least one option ticked" (the tidy schema checks it), so the cleaner leaves the question
  missing and names the cells (a cell issue): loud, not correct;
- a free-text item in a Google Forms checkbox list ("Politie" in gf01/gf02): the manifest reads it as the "Anders"
  text and keeps the other options; the cleaner cannot tell typed "other" text from an option label it does not
  know, so the question is missing for that row with a cell issue naming the item;
- csv01's extra column "fte per team (gemiddeld)" is not in the codebook; while a header matches nothing, questions
  without a column are refused (the header could be one of them): an overlay line reads the file;
- empty free text is expected as ``""`` (sm01); the tidy table writes missing (NA): the scorer treats them alike.

Run ``python tests/blind_exports.py`` for the per-file verdicts and the totals.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import yaml
from unseen_exports import Verdict  # one verdict type for both export sets

from wijkteam_stats.clean import SurveyFileError, clean_survey

HERE = Path(__file__).parent / "data" / "blind_exports"

#: The manifest's ``must_name`` prose as checks: ("row", municipality code or cell text, column or "") names
#: a row or cell; ("column", variable or header text) names a column in the summary or the refusal.
MUST_NAME: dict[str, list[tuple[str, str, str]]] = {
    "q02_qualtrics_numeric_2015.csv": [("column", "has_teams", ""), ("column", "problem_scope", ""),
                                       ("column", "monitors_teams", "")],
    "sm03_surveymonkey_duplicates_2015.csv": [("row", "GM0193", "n_teams")],
    "ls02_limesurvey_codes_2015.csv": [("column", "has_teams", ""), ("column", "problem_scope", "")],
    "ls03_limesurvey_2017.xlsx": [("row", "Veghel", "")],
    "xl02_handmade_cbsnumbers_2015.xlsx": [("row", "GM0289", "n_teams")],
    "xl03_places_2015.xlsx": [("row", "Sneek", ""), ("row", "Drachten", ""), ("row", "Bergen", ""),
                              ("row", "Hengelo (Gld)", "")],
    "xl05_surveymonkey_grid_2015.xlsx": [("row", "GM0221", "involvement__mantelzorgers")],
    "csv04_unclosed_quote_2015.csv": [("column", "Opmerkingen", "")],
    "csv05_truncated_labels_2015.csv": [("column", "Werkt uw gemeente met sociale (wijk)t", "")],
    "csv06_other_wave_row_2015.csv": [("row", "GM0856", "")],
    "csv07_personal_data_in_remark_2015.csv": [("row", "GM0148", "toelichting")],
}


def manifest() -> list[dict]:
    """The manifest entries, in file order."""
    return yaml.safe_load((HERE / "manifest.yaml").read_text(encoding="utf-8"))["files"]


def _same(got: object, want: object) -> bool:
    if want is None or want == "":  # an empty free text is missing
        return got is None or bool(pd.isna(got))
    if isinstance(got, pd.Timestamp):
        return got == pd.Timestamp(str(want))
    if want is None:
        return got is None or bool(pd.isna(got))
    if got is None or (not isinstance(got, str) and pd.isna(got)):
        return False
    if isinstance(want, bool):
        return bool(got) == want
    if isinstance(want, int):
        return float(got) == want
    return str(got) == str(want)


def _rows_of(log: pd.DataFrame, who: str) -> pd.DataFrame:
    given = log["municipality_given"].astype("string").fillna("")
    if who.startswith("GM"):
        return log[(log["gm_code"].astype("string") == who) | given.str.contains(who, regex=False)]
    return log[given.str.strip().str.casefold() == who.casefold()]


def _row_named(log: pd.DataFrame, who: str, column: str) -> bool:
    """True if a log line of this municipality is not plainly kept, or names the column, or masked a cell."""
    for _, r in _rows_of(log, who).iterrows():
        reason = "" if pd.isna(r["reason"]) else str(r["reason"])
        masked = "" if pd.isna(r["masked"]) else str(r["masked"])
        if r["action"] in ("set_aside", "merged") or masked:
            return True
        if reason and (not column or column in reason or column.split("__")[0] in reason):
            return True
    return False


def _column_named(result, text: str) -> bool:
    summary = str(result.summary) + " ".join(str(i) for i in result.summary.cell_issues)
    reasons = " ".join(result.log["reason"].dropna().astype(str))
    return text in summary or text in reasons


def judge(entry: dict) -> Verdict:
    """Clean one blind export and compare it with its manifest entry."""
    name, expect = entry["file"], entry["expect"]
    try:
        result = clean_survey(HERE / name, entry["wave"])
    except SurveyFileError as err:
        ok = expect == "refuse" or "refuse" in str(entry.get("also_acceptable", ""))
        return Verdict(name, "correct" if ok else "loud", f"refused: {str(err)[:300]}")
    table = result.table.set_index("gm_code")
    got = set(table.index)
    readable = entry.get("readable_parts") or entry.get("may_read") or {}
    want = set(entry.get("municipalities") or readable.get("municipalities") or [])
    answers = entry.get("key_answers") or readable.get("key_answers") or {}
    problems, loud, named = [], [], []
    for kind, who, column in MUST_NAME.get(name, []):
        ok = _row_named(result.log, who, column) if kind == "row" else _column_named(result, who)
        (named if ok else problems).append(f"{who} {column}".strip() + (" named" if ok else " not named"))
    for gm in sorted(want - got):
        (loud if _row_named(result.log, gm, "") else problems).append(f"{gm} missing")
    for gm in sorted(got - want):
        if want and not (expect == "flag" and _row_named(result.log, gm, "")):
            problems.append(f"{gm} in the table, not expected")
    for gm, cells in answers.items():
        if gm not in got:
            continue
        for col, value in cells.items():
            have = table.at[gm, col] if col in table.columns else None
            if isinstance(value, str) and value.startswith("FLAG") and _row_named(result.log, gm, col):
                continue  # the manifest asks for this cell to be named, and it is
            if not _same(have, value):
                msg = f"{gm}.{col} = {have!r}, expected {value!r}"
                (loud if _row_named(result.log, gm, col) else problems).append(msg)
    if expect == "refuse" and not problems:
        return Verdict(name, "loud", "flagged instead of refused: " + "; ".join(named))
    if problems:
        return Verdict(name, "silent", "; ".join(problems))
    if loud:
        return Verdict(name, "loud", "flagged: " + "; ".join(loud))
    return Verdict(name, "correct", f"{len(got)} municipalities" + ("; " + "; ".join(named) if named else ""))


def main() -> int:
    verdicts = [judge(e) for e in manifest()]
    for v in verdicts:
        print(f"{v.outcome:8s} {v.file}: {v.detail}")
    counts = {k: sum(v.outcome == k for v in verdicts) for k in ("correct", "loud", "silent")}
    print(f"\n{len(verdicts)} exports: {counts['correct']} correct, {counts['loud']} clearly refused or flagged, "
          f"{counts['silent']} silent")
    return 0


if __name__ == "__main__":
    sys.exit(main())
