"""The cleaning log (one row per input row) and the printed summary."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from wijkteam_stats.clean.errors import CleaningInvariantError

ACTIONS = ("kept", "merged", "dropped", "set_aside")
#: Dutch wording of the log actions, for Dutch pages (the CSV keeps the English codes).
ACTIONS_NL = {"kept": "behouden", "merged": "samengevoegd (dubbel)", "dropped": "verwijderd",
              "set_aside": "apart gezet"}
LOG_COLUMNS = {
    "row": "Int64",  # input row number as the file shows it (CSV line, XLSX row, SAV case)
    "municipality_given": "string",  # the municipality cell(s), masked if it looks like personal data
    "gm_code": "string",  # resolved CBS code
    "action": "string",  # kept / merged / dropped / set_aside
    "reason": "string",  # why; for kept and merged rows also the cell issues
    "candidates": "string",  # for set-aside rows: the municipalities it could be ("; "-separated)
    "masked": "string",  # personal data masked per column and kind ("toelichting: naam 1"), never the value
}


@dataclass(frozen=True)
class CellIssue:
    """A cell that was set to missing (or otherwise changed) while the row was kept."""

    row: int
    column: str
    message: str


@dataclass(frozen=True)
class CleanSummary:
    """Counts of one cleaning run."""

    path: str
    wave: int
    rows_read: int
    kept: int
    merged: int
    dropped: int
    set_aside: int
    dialect: str = ""
    ignored_columns: tuple[str, ...] = ()
    personal_columns: tuple[str, ...] = ()
    absent_columns: tuple[str, ...] = ()
    masked: tuple[tuple[str, int], ...] = ()  # (kind, count) of personal data masked in free text and log
    cell_issues: tuple[CellIssue, ...] = field(default_factory=tuple)
    tool: str = ""  # the survey tool recognised from the columns (Qualtrics, SurveyMonkey, ...)
    tool_columns: tuple[str, ...] = ()  # the tool's metadata columns that are not used
    notes: tuple[str, ...] = ()  # what the reader repaired or decided (encoding, delimiter)
    decisions: tuple[str, ...] = ()  # every interpretation with its evidence (tool, header, sheet, columns, ...)

    def lines(self) -> list[str]:
        """The summary in Dutch and English, one fact per line."""
        out = [
            f"Opschonen / cleaning: {Path(self.path).name} (meting / wave {self.wave}; {self.dialect})",
            f"  rijen gelezen / rows read:                 {self.rows_read}",
            f"  behouden / kept:                           {self.kept}",
            f"  samengevoegd (dubbel) / merged duplicates: {self.merged}",
            f"  verwijderd / dropped:                      {self.dropped}",
            f"  apart gezet / set aside:                   {self.set_aside}",
            f"  cellen op ontbrekend / cell issues:        {len(self.cell_issues)}",
        ]
        for note in self.notes:
            out.append(f"  let op / note: {note}")
        for decision in self.decisions:
            out.append(f"  besluit / decision: {decision}")
        if self.tool_columns:
            out.append(f"  {self.tool or 'tool'}-kolommen niet gebruikt / tool columns not used: "
                       f"{', '.join(self.tool_columns)}")
        if self.masked:
            kinds = ", ".join(f"{k} {n}" for k, n in self.masked)
            out.append(f"  gemaskeerd in vrije tekst / masked in free text: {kinds}")
        if self.personal_columns:
            out.append(f"  persoonsgegevens verwijderd / personal data removed: {', '.join(self.personal_columns)}")
        if self.ignored_columns:
            out.append(f"  genegeerde kolommen / ignored columns: {', '.join(self.ignored_columns)}")
        if self.absent_columns:
            out.append(f"  niet in bestand (leeg) / not in file (missing): {', '.join(self.absent_columns)}")
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


def check_log_complete(log: pd.DataFrame, rows: Sequence[int]) -> None:
    """Raise :class:`CleaningInvariantError` unless every input row appears exactly once in the log."""
    got = log["row"].tolist()
    counts = pd.Series(got, dtype="object").value_counts()
    twice = sorted(int(r) for r in counts[counts > 1].index)
    missing = sorted(set(rows) - set(got))
    extra = sorted(set(got) - set(rows))
    if twice or missing or extra or len(got) != len(rows):
        raise CleaningInvariantError(
            f"cleaning log does not account for every input row exactly once: missing {missing[:10]}, "
            f"twice {twice[:10]}, unknown {extra[:10]} ({len(got)} log rows for {len(rows)} input rows)"
        )
    bad = sorted(set(log["action"].dropna()) - set(ACTIONS))
    if bad or log["action"].isna().any():
        raise CleaningInvariantError(f"cleaning log has rows without a valid action: {bad}")


def check_table_matches_log(table: pd.DataFrame, log: pd.DataFrame) -> None:
    """Raise :class:`CleaningInvariantError` unless the table holds exactly the kept rows' municipalities."""
    kept = log.loc[log["action"] == "kept", "gm_code"]
    if len(kept) != len(table) or set(kept) != set(table["gm_code"]) or kept.isna().any():
        raise CleaningInvariantError(
            f"tidy table ({len(table)} rows) does not match the {len(kept)} kept rows of the cleaning log"
        )


def make_log(rows: Sequence[int], given: Sequence, codes: Sequence, actions: Sequence, reasons: Sequence,
             candidates: Sequence, masked: Sequence | None = None) -> pd.DataFrame:
    """The log frame with its fixed columns and dtypes, in input order."""
    data = {"row": rows, "municipality_given": given, "gm_code": codes, "action": actions,
            "reason": reasons, "candidates": candidates,
            "masked": [pd.NA] * len(rows) if masked is None else masked}
    return pd.DataFrame({c: pd.Series(list(v), dtype="object").astype(LOG_COLUMNS[c]) for c, v in data.items()})
