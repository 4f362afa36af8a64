"""Shape builders for tests: a tidy table written the way Qualtrics, SurveyMonkey, LimeSurvey, Google Forms and
a person in Excel write survey exports, built from the shipped export layout (``write_export``)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl
import pandas as pd

from wijkteam_stats.clean.fold import strip_numbering
from wijkteam_stats.clean.headers import HeaderIndex, Target
from wijkteam_stats.reconstruct.export_writer import write_export
from wijkteam_stats.reference.codebook import load_codebook

CB = load_codebook()
INDEX = HeaderIndex(CB)
DMY = "%d-%m-%Y %H:%M:%S"


def base_cells(tidy: pd.DataFrame, tmp: Path, **kw) -> tuple[list[str], list[list[str]], list[Target | None]]:
    """Header, rows (strings) and the codebook target of every column of the shipped export layout."""
    path = write_export(tidy, tmp / "_base.csv", **kw)
    records = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline=""), delimiter=";"))
    path.unlink()
    return records[0], records[1:], [INDEX.match(h) for h in records[0]]


def _stamp(text: str, fmt: str) -> str:
    return pd.to_datetime(text, format=DMY).strftime(fmt) if text else ""


def _option_label(header: str) -> str:
    return header.rsplit(" - ", 1)[-1]


def write_rows(path: Path, rows: list[list[str]], *, delimiter: str = ",", encoding: str = "utf-8",
               sheet: str = "Sheet1", merges: list[tuple[int, int, int, int]] = ()) -> Path:
    if path.suffix == ".xlsx":
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = sheet
        for r in rows:
            ws.append([c if c != "" else None for c in r])
        for r0, c0, r1, c1 in merges:
            for c in range(c0 + 1, c1 + 1):
                ws.cell(row=r0, column=c).value = None
            ws.merge_cells(start_row=r0, start_column=c0, end_row=r1, end_column=c1)
        wb.save(path)
        return path
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


# --------------------------------------------------------------------------- Qualtrics

Q_META = [("StartDate", "Start Date"), ("EndDate", "End Date"), ("Status", "Response Type"),
          ("IPAddress", "IP Address"), ("Progress", "Progress"), ("Duration (in seconds)", "Duration (in seconds)"),
          ("Finished", "Finished"), ("RecordedDate", "Recorded Date"), ("ResponseId", "Response ID"),
          ("RecipientLastName", "Recipient Last Name"), ("RecipientFirstName", "Recipient First Name"),
          ("RecipientEmail", "Recipient Email"), ("ExternalReference", "External Data Reference"),
          ("LocationLatitude", "Location Latitude"), ("LocationLongitude", "Location Longitude"),
          ("DistributionChannel", "Distribution Channel"), ("UserLanguage", "User Language")]


def qualtrics(tidy: pd.DataFrame, path: Path, *, extra: list[dict] = (), import_row: bool = True,
              delimiter: str = ",", encoding: str = "utf-8-sig") -> tuple[Path, list[str]]:
    """A Qualtrics "choice text" export (3 header rows); returns the path and the personal values written.

    ``extra``: rows to add, each {"copy": row position, "Status": ..., "n_teams": ...}."""
    header, rows, targets = base_cells(tidy, path.parent)
    keep = [i for i, t in enumerate(targets) if t is None or t.variable not in ("status", "ingevuld_op")]
    ts, st = header.index("Datum en tijd van invullen"), header.index("Status van de respons")
    ids, texts = [m[0] for m in Q_META], [m[1] for m in Q_META]
    q = 0
    last_var = None
    for i in keep:
        t = targets[i]
        text = strip_numbering(header[i])
        if t.variable != last_var:
            q += 1
        last_var = t.variable
        if t.kind == "tick":
            ids.append(f"QID{q}_{len([x for x in ids if x.startswith(f'QID{q}_')]) + 1}")
            question, option = text.rsplit(" - ", 1)
            texts.append(f"{question} - Selected Choice - {option}")
        elif t.variable == "has_teams":
            ids.append(f"QID{q}")
            texts.append(f"{text} - Selected Choice")
        elif t.variable == "has_teams_anders":
            q -= 1
            ids.append(f"QID{q}_4_TEXT")
            texts.append(f"{strip_numbering(header[keep[keep.index(i) - 1]])} - Anders, namelijk - Text")
        else:
            ids.append(f"QID{q}" if t.kind != "grid_tick" else f"QID{q}_{t.option}_{t.form}")
            texts.append(text)
    personal: list[str] = []
    out = [ids, texts]
    if import_row:
        out.append([json.dumps({"ImportId": x}) for x in ids])

    def line(k: int, r: list[str], status: str = "IP Address") -> list[str]:
        done = r[st] == "Compleet"
        iso = _stamp(r[ts], "%Y-%m-%d %H:%M:%S")
        secrets = [f"198.51.100.{k % 250}", f"Vermeulen{k:03d}", f"Joke{k:03d}", f"joke{k:03d}@voorbeeld.nl",
                   f"EXT-{k:05d}", f"52.{k:04d}", f"5.{k:04d}"]
        personal.extend(secrets)
        meta = [iso, iso, status, secrets[0], "100" if done else "55", "600", "True" if done else "False", iso,
                f"R_{k:05d}", secrets[1], secrets[2], secrets[3], secrets[4], secrets[5], secrets[6], "email", "NL"]
        cells = []
        for i in keep:
            t = targets[i]
            if t.kind == "tick":
                cells.append(_option_label(header[i]) if r[i] == "Ja" else "")
            else:
                cells.append(r[i])
        return meta + cells

    body = [line(k, r) for k, r in enumerate(rows)]
    for e in extra:
        r = list(rows[e["copy"]])
        if "n_teams" in e:
            r[header.index("2. Hoeveel sociale (wijk)teams zijn er in uw gemeente actief?")] = e["n_teams"]
        r[ts] = "31-12-2015 23:59:00"
        body.append(line(len(body), r, e["Status"]))
    write_rows(path, out + body, delimiter=delimiter, encoding=encoding)
    return path, personal


# --------------------------------------------------------------------------- SurveyMonkey

SM_META = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address", "First Name",
           "Last Name", "Custom Data 1"]


def surveymonkey(tidy: pd.DataFrame, path: Path) -> tuple[Path, list[str]]:
    """A SurveyMonkey expanded export (.csv or .xlsx with merged question cells); US dates, no status."""
    header, rows, targets = base_cells(tidy, path.parent)
    keep = [i for i, t in enumerate(targets) if t is None or t.variable not in ("status", "ingevuld_op")]
    ts = header.index("Datum en tijd van invullen")
    top, sub = list(SM_META), [""] * len(SM_META)
    merges = []
    last, start = None, None
    grid_q = strip_numbering(CB.variable("involvement").question)
    for i in keep:
        t = targets[i]
        col = len(top)
        if t.kind == "tick":
            question, option = strip_numbering(header[i]).rsplit(" - ", 1)
            top.append(question if t.variable != last else "")
            sub.append(option)
        elif t.kind == "grid_tick":
            top.append(grid_q if t.variable != last else "")
            sub.append(header[i])
        elif t.variable == "has_teams_anders":
            top.append("")
            sub.append("Other (please specify)")
        else:
            top.append(strip_numbering(header[i]))
            sub.append("Open-Ended Response" if t.variable in ("n_teams", "toelichting") else "Response")
        if t.variable != last:
            if start is not None and col - 1 > start:
                merges.append((1, start + 1, 1, col))
            start = col
        last = t.variable
    if start is not None and len(top) - 1 > start:
        merges.append((1, start + 1, 1, len(top)))
    personal: list[str] = []
    body = []
    for k, r in enumerate(rows):
        secrets = [f"203.0.113.{k % 250}", f"piet{k:03d}@gemeente-voorbeeld.nl", f"Piet{k:03d}", f"Jansen{k:03d}",
                   f"klantnummer {k:05d}"]
        personal.extend(secrets)
        stamp = _stamp(r[ts], "%m/%d/%Y %I:%M:%S %p")
        cells = [str(110000 + k), "4055", stamp, stamp, *secrets]
        for i in keep:
            t = targets[i]
            if t.kind in ("tick", "grid_tick"):
                cells.append(_option_label(header[i]) if r[i] == "Ja" else "")
            else:
                cells.append(r[i])
        body.append(cells)
    if path.suffix == ".xlsx":
        write_rows(path, [top, sub, *body], merges=[m for m in merges if m[1] > len(SM_META)])
    else:
        write_rows(path, [top, sub, *body])
    return path, personal


# --------------------------------------------------------------------------- Google Forms


def google_forms(tidy: pd.DataFrame, path: Path, *, stamp: str = "%m/%d/%Y %H:%M:%S",
                 first: str = "Timestamp") -> tuple[Path, list[str]]:
    """A Google Forms CSV: timestamp first, e-mail address, checkboxes as ", "-joined lists, grid as Q [row]."""
    header, rows, targets = base_cells(tidy, path.parent, multi_shape="list")
    keep = [i for i, t in enumerate(targets) if t is None or t.variable not in ("status", "ingevuld_op")]
    ts = header.index("Datum en tijd van invullen")
    out_head = [first, "Email Address"]
    for i in keep:
        t = targets[i]
        if t.kind == "grid_list":
            question, group = header[i].rsplit(" - ", 1)
            out_head.append(f"{strip_numbering(question)} [{group}]")
        else:
            out_head.append(strip_numbering(header[i]))
    personal = []
    body = []
    for k, r in enumerate(rows):
        mail = f"respondent{k:03d}@gmail.example"
        personal.append(mail)
        when = pd.to_datetime(r[ts], format=DMY)
        text = when.strftime(stamp).replace("{d}", str(when.day)).replace("{m}", str(when.month))
        cells = [text, mail]
        for i in keep:
            cells.append(r[i].replace("; ", ", ") if targets[i].kind in ("list", "grid_list") else r[i])
        body.append(cells)
    write_rows(path, [out_head, *body])
    return path, personal


# --------------------------------------------------------------------------- LimeSurvey


def limesurvey(tidy: pd.DataFrame, path: Path, lss: Path | None) -> Path:
    """A LimeSurvey CSV with question-code headers and answer codes, and (optionally) its .lss structure."""
    header, rows, targets = base_cells(tidy, path.parent)
    ts, st = header.index("Datum en tijd van invullen"), header.index("Status van de respons")
    questions, subquestions, answers = [], [], []
    head = ["id", "submitdate", "lastpage", "startlanguage", "seed", "token", "startdate", "datestamp", "ipaddr"]
    columns: list[tuple[int, str, dict[str, str] | None]] = []  # (base column, header code, value recode)
    qid = 0
    seen: dict[str, tuple[str, int]] = {}
    for i, t in enumerate(targets):
        if t is None or t.variable in ("status", "ingevuld_op"):
            continue
        key = t.variable if t.kind != "grid_tick" else f"{t.variable}__{t.option}"
        if key not in seen:
            qid += 1
            code = f"G{1 + qid // 5:02d}Q{qid:02d}"
            seen[key] = (code, qid)
            if t.kind == "grid_tick":
                text = CB.variable("involvement").groups[[g.code for g in CB.variable("involvement").groups]
                                                         .index(t.option)].label
            elif t.kind == "tick":
                text = strip_numbering(header[i]).rsplit(" - ", 1)[0]
            else:
                text = strip_numbering(header[i])
            questions.append((qid, code, f"<p>{escape(text)}</p>"))
        code, q = seen[key]
        if t.kind in ("tick", "grid_tick"):
            n = sum(1 for s in subquestions if s[1] == q) + 1
            subquestions.append((1000 + len(subquestions), q, f"SQ{n:03d}", _option_label(header[i])))
            columns.append((i, f"{code}[SQ{n:03d}]", {"Ja": "Y"}))
        else:
            v = CB.variable(t.variable)
            recode = None
            if v.type == "single":
                recode = {}
                for k, o in enumerate(v.options, 1):
                    answers.append((q, f"A{k}", o.label))
                    recode[o.label] = f"A{k}"
            elif v.type == "yesno":
                recode = {"Ja": "Y", "Nee": "N"}
            columns.append((i, code, recode))
    head += [c for _, c, _ in columns]
    body = []
    for k, r in enumerate(rows):
        iso = _stamp(r[ts], "%Y-%m-%d %H:%M:%S")
        done = r[st] == "Compleet"
        meta = [str(k + 1), iso if done else "", "5" if done else "2", "nl", str(1000 + k), f"tok{k:04d}", iso, iso,
                f"192.0.2.{k % 250}"]
        body.append(meta + [(rec or {}).get(r[i], r[i]) for i, _, rec in columns])
    write_rows(path, [head, *body])
    if lss is not None:
        parts = ["<?xml version='1.0' encoding='UTF-8'?>\n<document><LimeSurveyDocType>Survey</LimeSurveyDocType>",
                 "<answers><rows>"]
        parts += [f"<row><qid>{q}</qid><code>{c}</code><answer><![CDATA[{a}]]></answer><language>nl</language></row>"
                  for q, c, a in answers]
        parts.append("</rows></answers><questions><rows>")
        parts += [f"<row><qid>{q}</qid><parent_qid>0</parent_qid><title>{c}</title><question><![CDATA[{t}]]>"
                  "</question><language>nl</language></row>" for q, c, t in questions]
        parts.append("</rows></questions><subquestions><rows>")
        parts += [f"<row><qid>{s}</qid><parent_qid>{p}</parent_qid><title>{c}</title><question><![CDATA[{t}]]>"
                  "</question><language>nl</language></row>" for s, p, c, t in subquestions]
        parts.append("</rows></subquestions></document>")
        lss.write_text("".join(parts), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- a person's Excel workbook


def handmade_xlsx(tidy: pd.DataFrame, path: Path, *, two_row_header: bool = False) -> Path:
    """Title, blank row, header (optionally a question row above an option row), data, totals row, blank
    row and a note; a notes sheet first; merged title (and question) cells."""
    header, rows, targets = base_cells(tidy, path.parent)
    wb = openpyxl.Workbook()
    info = wb.active
    info.title = "Toelichting"
    info.append(["Deze werkmap is gemaakt door de onderzoeker; de antwoorden staan op het tweede tabblad."])
    ws = wb.create_sheet("Data 2015")
    ws.append(["Enquête sociale (wijk)teams 2015 — bewerkte gegevens"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=8)
    ws.append([])
    if two_row_header:
        top, sub = [], []
        last = None
        spans = []
        for i, t in enumerate(targets):
            if t is not None and t.kind == "tick":
                question, option = header[i].rsplit(" - ", 1)
                if t.variable != last:
                    spans.append([i, i])
                    top.append(question)
                else:
                    spans[-1][1] = i
                    top.append(None)
                sub.append(option)
            else:
                top.append(header[i])
                sub.append(None)
            last = t.variable if t is not None else None
        ws.append(top)
        ws.append(sub)
        for a, b in spans:
            if b > a:
                ws.merge_cells(start_row=3, start_column=a + 1, end_row=3, end_column=b + 1)
    else:
        ws.append(header)
    for r in rows:
        ws.append([_typed(c) for c in r])
    n = header.index("2. Hoeveel sociale (wijk)teams zijn er in uw gemeente actief?")
    total = [None] * len(header)
    total[header.index("Gemeente")] = "Totaal"
    total[n] = int(sum(int(r[n]) for r in rows if r[n]))
    ws.append(total)
    ws.append([])
    ws.append(["Bron: eigen enquête onder gemeenten; n.v.t. = niet van toepassing"])
    wb.save(path)
    return path


def _typed(cell: str):
    if cell == "":
        return None
    if cell.isdigit():
        return int(cell)
    return cell
