"""Survey cleaning: a raw municipal survey export into one validated tidy table, every row accounted for.

``clean_survey(path, wave)`` reads a delimited text export (``;`` ``,`` or tab; UTF-8 with or without BOM,
UTF-16 with or without BOM, Windows-1252, Mac Roman, double-encoded UTF-8 repaired; Excel's ``sep=;`` line;
decimal comma), an Excel (.xlsx, .xls), OpenDocument (.ods), SPSS (.sav) or Stata (.dta) file
(:mod:`.readers`); finds the sheet, the header row(s) and the survey tool that wrote it (Qualtrics,
SurveyMonkey, LimeSurvey, Google Forms, a hand-made workbook; :mod:`.shapes`); matches the headers to the
codebook (``data/raw/codebook_movisie.yaml``, optionally an overlay from ``wijkteam codebook suggest``,
:mod:`.overlay`), harmonises the answers and returns ``CleanResult(table, log, summary)``:

- ``table``: one row per responding municipality, columns and dtypes exactly ``codebook.tidy_columns()``,
  sorted by gm_code, validated by :func:`validate_tidy` (pandera);
- ``log``: one row per input row (``row`` as the file shows it: CSV line with the header on line 1, sheet
  row, SAV/DTA case number), ``municipality_given``, ``gm_code``, ``action`` (kept / merged / dropped /
  set_aside), ``reason``, ``candidates``, ``masked``; that every input row appears exactly once is checked
  in code;
- ``summary``: counts (rows read, kept, merged, dropped, set aside), the tool, reader notes (encoding
  repairs), ignored columns, tool columns not used, personal-data columns removed, cell issues, personal
  data masked per kind.

Never silently wrong: a text record with another number of fields than the header, a header resembling an
unmapped codebook question, an unknown option column of a known question, a column with values but no
header, a choice column of codes instead of labels, and a date column whose day/month order cannot be decided
are errors naming file, line/row and column, and so are a quoted field that swallowed later records (named
by the line where the quote opened) and a bare ``Status`` column of codes outside a recognised tool layout
(completion or response type: an overlay line chooses); every interpretation (tool and why, header rows,
sheet, delimiter and encoding, municipality and province columns, fieldwork window) is listed in
``summary.decisions``; an unknown tick mark is a cell issue (that option missing),
never "not ticked", and a list cell naming an unknown option makes the question missing for that row (a cell
issue); a merged duplicate's log line lists the cells where it disagrees with the kept response.

Rules
-----
Rows, in this order:
1. a row whose cells are all empty: dropped ("empty row"); empty rows after the last data row are not
   input rows; rows the tool shape decided: Qualtrics survey previews, tests and spam, notes below a
   hand-made table: dropped with that reason; a totals row ("Totaal", "Gemiddelde" in the municipality
   cell): dropped;
2. no municipality given: dropped if the row holds no answers either, else set aside;
3. test responses, recognised by the municipality cell ("test", "Gemeente Test", "testgemeente",
   "TEST 2", also proef/dummy): dropped;
4. a municipality cell that looks like personal data (e-mail, phone, the row's respondent name): set aside,
   the cell masked in the log;
5. a name or code that is ambiguous or unknown in the wave's register year: set aside with the candidates,
   never guessed (code and name columns that disagree, or a province qualifier -- "Hengelo (Gld)", a
   ``Provincie`` column -- that disagrees with the municipality: set aside too, naming both readings);
6. a resolved row without a single substantive answer: dropped ("no answers"); partial responses are kept
   with their unanswered items missing;
7. a wave column (if present, also headed "Jaar"/"year") naming another wave, or a value that is not a
   year: set aside (an empty wave cell too when the file holds several waves);
8. a response dated outside the wave's fieldwork (``data/raw/waves.yaml``): set aside with the date
   (``keep_outside_fieldwork=True`` / ``--keep-outside-fieldwork`` keeps it, noted as a cell issue);
9. rows whose municipality cells are written differently but resolve to one code ("Den Bosch" and
   "'s-Hertogenbosch"): all set aside as a duplicate created by resolution, naming every reading;
10. duplicates (the same municipality more than once): the row kept is the complete one (status
   "compleet") over partial ones, then the one with the latest timestamp, then the last row in the file;
   the others are logged as merged (their answers are not mixed into the kept row).
Cells: labels are matched after folding case, accents and punctuation ("Ja", "JA", "Weet niet", "Geen
antwoord", "n.v.t.", "84%", decimal comma); "Anders, namelijk: <text>" sets the answer and fills
``<variable>_anders`` when that is empty (text after "namelijk" with no column to go to is a cell issue).
An answer that fits no label, a count that is not a whole number or lies outside the codebook's min/max
(``-3``, ``1e9`` teams), or an unreadable date becomes missing while the row is kept; each such "cell
issue" is listed in the log's reason (and in ``summary.cell_issues`` for kept rows). Multi-select
questions and grid groups: ticking at least one option means answered (others False), ticking none means
not answered (all missing); "geen" together with another form sets the group to missing (a cell issue).
Personal data (respondent name, e-mail, phone) never leaves this step: not in the table, the log, the
summary or any file written. Every free-text column of the table (whatever filled it: the answer itself or
the text after "namelijk") and every value quoted in the log goes through one de-identification step,
:mod:`wijkteam_stats.clean.deidentify`: e-mail addresses, phone numbers (Dutch and international), BSN
(11-proef), IBAN (checksum), postcode / street + house number and person names (the row's own personal
columns; names after greetings, titles, contact labels; names without a cue found by the deduce library,
:mod:`wijkteam_stats.clean.deduce_finder`, places and services kept) become "[e-mailadres]",
"[telefoonnummer]", "[BSN]", "[IBAN]", "[adres]", "[naam]" (that module's docstring lists what is deliberately
kept); :mod:`wijkteam_stats.clean.masking_corpus` measures it on a labelled corpus. The log's ``masked``
column counts the maskings per column and kind for each row (never the value), the summary the totals per
kind. All patterns run in time linear in the cell's length.
Free text is kept verbatim apart from the masking above (outer spaces stripped); a leading single quote
in front of ``= + - @`` is read as the formula neutralisation of a previous export and removed. Every CSV/XLSX written goes through
:func:`wijkteam_stats.reference.writers.safe_to_csv` / ``safe_to_excel``.
"""

from __future__ import annotations

from wijkteam_stats.clean.cleaner import DUPLICATE_RULE, CleanResult, clean_survey
from wijkteam_stats.clean.errors import CleaningInvariantError, SurveyFileError, TidySchemaError
from wijkteam_stats.clean.log import ACTIONS, LOG_COLUMNS, CellIssue, CleanSummary, check_log_complete
from wijkteam_stats.clean.schema import tidy_schema, validate_tidy

__all__ = [
    "ACTIONS", "DUPLICATE_RULE", "LOG_COLUMNS", "CellIssue", "CleanResult", "CleanSummary",
    "CleaningInvariantError", "SurveyFileError", "TidySchemaError", "check_log_complete", "clean_survey",
    "tidy_schema", "validate_tidy",
]
