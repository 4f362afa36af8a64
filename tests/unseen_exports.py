"""Score the cleaner on the unseen exports of tests/data/unseen_exports (manifest.yaml beside them).

Each export ends as exactly one of:
- ``correct``: the table holds the expected municipalities and answers (and the expected issues are raised);
- ``loud``: the cleaner refused the file (SurveyFileError), or every difference from the expected table is
  named by an issue or a set-aside row of the log;
- ``silent``: a difference nobody is told about.

Run ``python tests/unseen_exports.py`` for the per-file verdicts and the totals.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from wijkteam_stats.clean import SurveyFileError, clean_survey

HERE = Path(__file__).parent / "data" / "unseen_exports"


@dataclass
class Verdict:
    file: str
    outcome: str  # correct / loud / silent
    detail: str


def manifest() -> list[dict]:
    """The manifest entries, in file order."""
    return yaml.safe_load((HERE / "manifest.yaml").read_text(encoding="utf-8"))["exports"]


def _same(got: object, want: object) -> bool:
    if want is None:
        return got is None or bool(pd.isna(got))
    if got is None or (not isinstance(got, str) and pd.isna(got)):
        return False
    if isinstance(want, bool):
        return bool(got) == want
    if isinstance(want, int):
        return float(got) == want
    return str(got) == str(want)


def _flagged(result, gm: str, column: str) -> bool:
    """True if an issue or a set-aside line of the log names this municipality's cell (or row)."""
    log = result.log
    rows = log[log["gm_code"].astype("string") == gm]
    for _, r in rows.iterrows():
        reason = "" if pd.isna(r["reason"]) else str(r["reason"])
        if r["action"] == "set_aside" or column in reason or column.split("__")[0] in reason:
            return True
    return False


def judge(entry: dict) -> Verdict:
    """Clean one export and compare it with its manifest entry."""
    path = HERE / entry["file"]
    try:
        result = clean_survey(path, entry["wave"])
    except SurveyFileError as err:
        kind = "correct" if entry["expect"] == "refuse" else "loud"
        return Verdict(entry["file"], kind, f"refused: {str(err)[:300]}")
    table = result.table.set_index("gm_code")
    got = set(table.index)
    if entry["expect"] == "refuse":
        alt = entry.get("alt_read_municipalities")
        if alt and got == set(alt):
            return Verdict(entry["file"], "correct", "read every sheet")
        return Verdict(entry["file"], "silent", f"a table of {len(got)} rows, expected a refusal "
                                                f"({entry.get('because')})")
    problems, loud = [], []
    want_munis = set(entry.get("municipalities") or entry.get("municipalities_at_least") or [])
    exact = "municipalities" in entry
    for gm in sorted(want_munis - got):
        (loud if _flagged(result, gm, "gemeente") or _set_aside_any(result) else problems).append(f"{gm} missing")
    if exact:
        for gm in sorted(got - want_munis):
            problems.append(f"{gm} in the table, not expected")
    for gm, answers in (entry.get("answers") or {}).items():
        if gm not in got:
            continue
        for col, want in answers.items():
            value = table.at[gm, col] if col in table.columns else None
            if not _same(value, want):
                msg = f"{gm}.{col} = {value!r}, expected {want!r}"
                (loud if _flagged(result, gm, col) else problems).append(msg)
    for gm, answers in (entry.get("issue_or_value") or {}).items():
        for col, want in answers.items():
            if gm in got and not _same(table.at[gm, col], want) and not _flagged(result, gm, col):
                problems.append(f"{gm}.{col} = {table.at[gm, col]!r} without an issue (expected {want!r} or an issue)")
    for gm, col in entry.get("issue_cells") or []:
        if gm.startswith("row"):
            if not (result.log["action"] == "set_aside").any():
                problems.append(f"no issue for {gm} ({col})")
        elif not _flagged(result, gm, col):
            problems.append(f"no issue naming {gm}.{col}")
    for gm in entry.get("set_aside") or []:
        if gm in got:
            problems.append(f"{gm} should have been set aside")
    if problems:
        return Verdict(entry["file"], "silent", "; ".join(problems))
    if loud:
        return Verdict(entry["file"], "loud", "flagged: " + "; ".join(loud))
    return Verdict(entry["file"], "correct", f"{len(got)} municipalities")


def _set_aside_any(result) -> bool:
    return bool((result.log["action"] == "set_aside").any())


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
