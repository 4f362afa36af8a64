"""Writes the 20 unseen exports and manifest.yaml of this folder (run: python make_unseen.py OUTDIR).

Written from the codebook only (data/raw/codebook_movisie.yaml) and the tools' documented export layouts, before
the cleaner's code was read; the files are committed, so this script only documents how they were made."""
import csv
import io
import json
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pyreadstat
import yaml

OUT = Path(sys.argv[1])
OUT.mkdir(parents=True, exist_ok=True)

Q_GEM = "Om welke gemeente gaat het?"
Q_HAS = "Werkt uw gemeente met één of meer sociale (wijk)teams?"
Q_ANDERS = "Anders, namelijk (werkwijze zonder sociaal wijkteam)"
Q_N = "Hoeveel sociale (wijk)teams zijn er in uw gemeente actief?"
Q_TT = "Welk type sociale (wijk)teams heeft uw gemeente?"
Q_DISC = "Welke disciplines zijn vertegenwoordigd in de sociale (wijk)teams?"
Q_WIT = "Voeren de sociale (wijk)teams taken uit op het gebied van werk en inkomen?"
Q_MON = "Monitort uw gemeente wat de sociale (wijk)teams doen?"
Q_SUP = "Heeft uw gemeente behoefte aan ondersteuning bij het betrekken van bewoners en cliënten bij de teams?"
Q_OPM = "Heeft u nog opmerkingen of een toelichting?"

HAS = {"ja": "Ja", "nee_bewuste_keuze": "Nee, wij kiezen nadrukkelijk niet voor een sociaal (wijk)team",
       "nee_gepland": "Nee, maar het is wel gepland", "anders": "Anders, namelijk"}
HAS_CODES = {"ja": 1, "nee_bewuste_keuze": 2, "nee_gepland": 3, "anders": 4}
TT = {"breed_integraal": "Breed integraal team (voor alle inwoners en alle vragen)",
      "doelgroepgericht": "Doelgroepgericht team (bijv. jeugd, ouderen, mensen met een beperking)",
      "multiprobleem": "Team voor multiprobleemhuishoudens / zorgcoördinatie",
      "anders": "Anders"}
DISC = {"maatschappelijk_werk": "Maatschappelijk werk", "wmo_consulent": "Wmo-consulent", "mee": "MEE",
        "brede_welzijnsorganisatie": "Brede welzijnsorganisatie", "schuldhulpverlening": "Schuldhulpverlening",
        "werk_en_inkomen": "Werk en Inkomen", "wijkverpleging": "Wijkverpleging",
        "jeugd_en_gezin": "Jeugd- en gezinswerk (CJG)", "ggz": "GGZ",
        "mantelzorgondersteuning": "Mantelzorgondersteuning", "anders": "Anders"}

BASE = [
    dict(gm="GM0344", name="Utrecht", prov="Utrecht", has="ja", n=18, tt={"breed_integraal"},
         disc={"maatschappelijk_werk", "wmo_consulent", "mee"}, wit=True, mon=True, sup=False,
         date=(2015, 9, 20, 10, 14, 2), opm="Wij werken met buurtteams, zie ook de notitie."),
    dict(gm="GM0193", name="Zwolle", prov="Overijssel", has="ja", n=6, tt={"breed_integraal", "doelgroepgericht"},
         disc={"wmo_consulent", "schuldhulpverlening"}, wit=False, mon=True, sup=True,
         date=(2015, 10, 2, 14, 55, 40), opm=""),
    dict(gm="GM0164", name="Hengelo", prov="Overijssel", has="nee_gepland", n=None, tt=set(), disc=set(),
         wit=None, mon=None, sup=True, date=(2015, 10, 13, 9, 1, 11), opm="Start in januari."),
    dict(gm="GM0505", name="Dordrecht", prov="Zuid-Holland", has="ja", n=3, tt={"doelgroepgericht"},
         disc={"maatschappelijk_werk", "jeugd_en_gezin", "ggz"}, wit=True, mon=False, sup=False,
         date=(2015, 10, 21, 16, 30, 0), opm=""),
    dict(gm="GM0448", name="Texel", prov="Noord-Holland", has="anders", n=None, tt=set(), disc=set(),
         wit=None, mon=None, sup=False, date=(2015, 11, 3, 11, 11, 11), opm="Via het Zorgloket.", anders="Eén loket"),
    dict(gm="GM1900", name="Súdwest-Fryslân", prov="Friesland", has="ja", n=5, tt={"breed_integraal"},
         disc={"wmo_consulent", "brede_welzijnsorganisatie", "werk_en_inkomen"}, wit=True, mon=True, sup=True,
         date=(2015, 11, 20, 8, 45, 0), opm=""),
]
TT_KEYS = list(TT)
DISC_KEYS = list(DISC)

Q_PS = "Welke problematiek pakken de brede integrale teams op?"
PS = {"enkelvoudig": "Vooral enkelvoudige vragen", "meervoudig": "Vooral meervoudige (complexe) problematiek",
      "beide": "Zowel enkelvoudige als meervoudige problematiek"}
Q_WT = "Welke taken op het gebied van werk en inkomen voeren de teams uit?"
WT = {"schuldhulpverlening": "Schuldhulpverlening", "participatiebevordering": "Participatiebevordering",
      "inkomensvoorziening": "Inkomensvoorziening of toeleiding naar ondersteuning"}
Q_GOAL = "Wat zijn de belangrijkste doelstellingen van de sociale (wijk)teams?"
GOAL = {"voorkomen_zwaardere_zorg": "Voorkomen van zwaardere zorg", "integrale_aanpak": "Integrale aanpak van multiproblematiek",
        "preventie": "Preventie (voorkomen van escalatie)", "zelfredzaamheid": "Vergroten van zelfredzaamheid / burgerkracht",
        "laagdrempelige_toegang": "Laagdrempelige toegang tot ondersteuning", "kostenbeheersing": "Kostenbeheersing",
        "anders": "Anders"}
Q_INV = "Op welke manier zijn de volgende groepen betrokken bij het sociale (wijk)team?"
GROUPS = {"wijkbewoners": "Wijkbewoners", "vrijwilligers": "Vrijwilligers", "mantelzorgers": "Mantelzorgers",
          "doelgroep": "Doelgroep van het team", "ervaringsdeskundigen": "Ervaringsdeskundigen",
          "clientenorganisaties": "Cliëntenorganisaties, -raden of wijkraden"}
FORMS = {"meedoen": "Meedoen (maken deel uit van het team)", "meebeslissen": "Meebeslissen (samenwerking, contact)",
         "meedenken": "Meedenken (geraadpleegd)", "meebeoordelen": "Meebeoordelen (opzet en ontwikkeling)",
         "geen": "Geen betrokkenheid"}
EXTRA = {
    "GM0344": dict(ps="beide", wt={"schuldhulpverlening", "participatiebevordering"}, goal={"voorkomen_zwaardere_zorg", "preventie"},
                   inv={"wijkbewoners": {"meedenken"}, "vrijwilligers": {"meedoen", "meedenken"}, "mantelzorgers": {"geen"},
                        "doelgroep": {"meedenken"}, "ervaringsdeskundigen": {"meedoen"}, "clientenorganisaties": {"meebeoordelen"}}),
    "GM0193": dict(ps="meervoudig", wt=set(), goal={"integrale_aanpak"},
                   inv={g: {"geen"} for g in GROUPS}),
    "GM0505": dict(ps="beide", wt={"inkomensvoorziening"}, goal={"zelfredzaamheid", "kostenbeheersing"},
                   inv={"wijkbewoners": {"meedenken", "meebeoordelen"}, "vrijwilligers": {"geen"}, "mantelzorgers": {"meedenken"},
                        "doelgroep": {"geen"}, "ervaringsdeskundigen": {"geen"}, "clientenorganisaties": {"meedenken"}}),
    "GM1900": dict(ps="beide", wt={"participatiebevordering"}, goal={"preventie", "laagdrempelige_toegang"},
                   inv={"wijkbewoners": {"meedoen"}, "vrijwilligers": {"meedoen"}, "mantelzorgers": {"meedenken"},
                        "doelgroep": {"meedenken"}, "ervaringsdeskundigen": {"geen"}, "clientenorganisaties": {"meedenken"}}),
}


def extra_of(r):
    e = EXTRA.get(r["gm"]) if r["has"] == "ja" else None
    return e or dict(ps=None, wt=None, goal=None, inv=None)


def extra_columns(r, style):
    """(question, option, suboption) header parts and the cell, for the questions not in the base block."""
    e = extra_of(r)
    out = [((Q_PS, None, None), "" if e["ps"] is None else (PS[e["ps"]] if style != "num" else str(list(PS).index(e["ps"]) + 1)))]
    def multi(q, opts, chosen):
        cols = []
        if style == "joined":
            return [((q, None, None), "" if not chosen else ", ".join(opts[k] for k in opts if k in chosen))]
        for k, lab in opts.items():
            if chosen is None or (not chosen and style not in ("nl", "yesno", "num")):
                v = ""
            elif style == "label":
                v = lab if k in chosen else ""
            elif style == "one":
                v = "1" if k in chosen else ""
            elif style == "x":
                v = "x" if k in chosen else ""
            elif style == "yesno":
                v = "Yes" if k in chosen else "No"
            elif style == "nl":
                v = "ja" if k in chosen else "nee"
            elif style == "num":
                v = "1" if k in chosen else "0"
            cols.append(((q, lab, None), v))
        return cols
    wt = e["wt"] if (r.get("wit") and e["wt"] is not None) else None
    out += multi(Q_WT, WT, wt)
    out += multi(Q_GOAL, GOAL, e["goal"])
    inv = e["inv"]
    for g, glab in GROUPS.items():
        chosen = None if inv is None else inv[g]
        if style == "joined":
            out.append(((Q_INV, glab, None), "" if not chosen else ", ".join(FORMS[f] for f in FORMS if f in chosen)))
            continue
        for f, flab in FORMS.items():
            if chosen is None:
                v = ""
            elif style == "label":
                v = flab if f in chosen else ""
            elif style == "one":
                v = "1" if f in chosen else ""
            elif style == "x":
                v = "x" if f in chosen else ""
            elif style == "yesno":
                v = "Yes" if f in chosen else "No"
            elif style == "nl":
                v = "ja" if f in chosen else "nee"
            else:
                v = "1" if f in chosen else "0"
            out.append(((Q_INV, glab, flab), v))
    return out


def join_header(parts, sep=" - ", lime=False):
    q, o, s = parts
    if lime:
        return q + "".join(f" [{x}]" for x in (o, s) if x)
    return sep.join(x for x in (q, o, s) if x)


def expected_answers(rows):
    """What the tidy table should hold per municipality (only cells that are unambiguous)."""
    out = {}
    for r in rows:
        a = {"has_teams": r["has"], "needs_support_involving_residents": r["sup"]}
        if r["has"] == "ja":
            a["n_teams"] = r["n"]
            for k in TT_KEYS:
                a[f"team_type__{k}"] = k in r["tt"]
            for k in ["maatschappelijk_werk", "wmo_consulent", "ggz", "werk_en_inkomen"]:
                a[f"discipline__{k}"] = k in r["disc"]
            a["work_income_tasks"] = r["wit"]
            a["monitors_teams"] = r["mon"]
        out[r["gm"]] = a
    return out


def yn(v, yes="Ja", no="Nee"):
    return "" if v is None else (yes if v else no)


def fmt_date(d, style):
    y, m, dd, H, M, S = d
    if style == "iso":
        return f"{y:04d}-{m:02d}-{dd:02d} {H:02d}:{M:02d}:{S:02d}"
    if style == "us12":
        h12 = H % 12 or 12
        return f"{m:02d}/{dd:02d}/{y:04d} {h12}:{M:02d}:{S:02d} {'PM' if H >= 12 else 'AM'}"
    if style == "nl":
        return f"{dd}-{m}-{y:04d} {H}:{M:02d}:{S:02d}"
    if style == "us":
        return f"{m}/{dd}/{y:04d} {H}:{M:02d}:{S:02d}"
    if style == "nl_slash":
        return f"{dd:02d}/{m:02d}/{y:04d} {H:02d}:{M:02d}"
    raise ValueError(style)


def write_csv(name, rows, delimiter=",", encoding="utf-8", bom=False, lineterminator="\r\n"):
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator=lineterminator, quoting=csv.QUOTE_MINIMAL)
    for r in rows:
        w.writerow(r)
    text = buf.getvalue()
    data = text.encode(encoding)
    if bom and encoding.lower() in ("utf-8", "utf8"):
        data = b"\xef\xbb\xbf" + data
    (OUT / name).write_bytes(data)


MANIFEST = []


def add(file, wave, expect, note, **kw):
    MANIFEST.append(dict(file=file, wave=wave, expect=expect, note=note, **kw))


# 1. Qualtrics (2020+ layout), Dutch questions, choice text, three header rows, one Survey Preview row
def qualtrics_new(name, lang="nl", numeric=False):
    meta = ["StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)", "Finished",
            "RecordedDate", "ResponseId", "RecipientLastName", "RecipientFirstName", "RecipientEmail",
            "ExternalReference", "LocationLatitude", "LocationLongitude", "DistributionChannel", "UserLanguage"]
    meta2 = ["Start Date", "End Date", "Response Type", "IP Address", "Progress", "Duration (in seconds)", "Finished",
             "Recorded Date", "Response ID", "Recipient Last Name", "Recipient First Name", "Recipient Email",
             "External Data Reference", "Location Latitude", "Location Longitude", "Distribution Channel", "User Language"]
    ids = ["Q1", "Q2", "Q2_4_TEXT", "Q3"] + [f"Q4_{i+1}" for i in range(len(TT))] + \
          [f"Q5_{i+1}" for i in range(len(DISC))] + ["Q6", "Q7", "Q8", "Q9"]
    sc = "Selected Choice" if lang == "nl" else "Selected Choice"
    texts = [Q_GEM, f"{Q_HAS} - {sc}", f"{Q_HAS} - Anders, namelijk - Tekst" if lang == "nl" else f"{Q_HAS} - Anders, namelijk - Text", Q_N] + \
            [f"{Q_TT} - {sc} - {TT[k]}" for k in TT_KEYS] + [f"{Q_DISC} - {DISC[k]}" for k in DISC_KEYS] + \
            [Q_WIT, Q_MON, Q_SUP, Q_OPM]
    imp = [json.dumps({"ImportId": x}) for x in ["startDate", "endDate", "status", "ipAddress", "progress", "duration",
                                                  "finished", "recordedDate", "_recordId", "recipientLastName",
                                                  "recipientFirstName", "recipientEmail", "externalDataReference",
                                                  "locationLatitude", "locationLongitude", "distributionChannel", "userLanguage"]]
    imp += [json.dumps({"ImportId": f"QID{i}"}) for i in range(1, len(ids) + 1)]
    ex = extra_columns(BASE[0], "num" if numeric else "label")
    ids += [f"Q{10 + i}" for i in range(len(ex))]
    texts += [join_header(p) for p, _ in ex]
    imp += [json.dumps({"ImportId": f"QID{100 + i}"}) for i in range(len(ex))]
    out = [meta + ids, meta2 + texts, imp]
    rows = list(BASE)
    preview = dict(BASE[1], gm="GM0193", name="Zwolle", has="nee_bewuste_keuze", n=None, tt=set(), disc=set(),
                   date=(2015, 9, 14, 8, 2, 0))
    for i, r in enumerate(rows + [preview]):
        is_prev = r is preview
        d = r["date"]
        start = fmt_date((d[0], d[1], d[2], d[3], max(d[4] - 12, 0), d[5]), "iso")
        stat = "Survey Preview" if is_prev else "IP Address"
        ip = "" if is_prev else f"145.{10+i}.{20+i}.{30+i}"
        if numeric:
            has = str(HAS_CODES[r["has"]])
            ttc = ["1" if k in r["tt"] else "" for k in TT_KEYS]
            dc = ["1" if k in r["disc"] else "" for k in DISC_KEYS]
            wit, mon, sup = (yn(r["wit"], "1", "2"), yn(r["mon"], "1", "2"), yn(r["sup"], "1", "2"))
        else:
            has = HAS[r["has"]]
            ttc = [TT[k] if k in r["tt"] else "" for k in TT_KEYS]
            dc = [DISC[k] if k in r["disc"] else "" for k in DISC_KEYS]
            wit, mon, sup = yn(r["wit"]), yn(r["mon"]), yn(r["sup"])
        out.append([start, fmt_date(d, "iso"), stat, ip, "100", str(600 + 37 * i), "True", fmt_date(d, "iso"),
                    f"R_{'3kXb9Qz1' + str(i)}Fa2LmN", "", "", "", "", "52.09" if not is_prev else "", "5.12" if not is_prev else "",
                    "preview" if is_prev else "anonymous", "NL" if lang == "nl" else "EN",
                    r["name"], has, r.get("anders", ""), "" if r["n"] is None else str(r["n"])] + ttc + dc +
                   [wit, mon, sup, r["opm"]] + [v for _, v in extra_columns(r, "num" if numeric else "label")])
    write_csv(name, out, bom=True)


qualtrics_new("01_qualtrics_2020_nl_choice_text.csv")
add("01_qualtrics_2020_nl_choice_text.csv", 2015, "read",
    "Qualtrics (2019+): three header rows (ids, question texts, ImportId JSON); Status 'Survey Preview' row is a test "
    "row and must not be counted; IP addresses are personal data",
    municipalities=[r["gm"] for r in BASE], answers=expected_answers(BASE))

qualtrics_new("02_qualtrics_2020_numeric_values.csv", numeric=True)
add("02_qualtrics_2020_numeric_values.csv", 2015, "refuse",
    "Qualtrics 'numeric values' export: single questions are coded 1-4 with no labels in the file; reading '1' as "
    "'ja' is a guess -> refuse (or read only with a declared value map)",
    because="answer codes without labels")


# 3. Legacy Qualtrics (before 2017): V1..V10 + question ids, second row texts, Status 0/1 (1 = preview)
def qualtrics_legacy(name):
    head1 = ["V1", "V2", "V3", "V4", "V5", "V6", "V7", "V8", "V9", "V10", "Q1", "Q2", "Q2_TEXT", "Q3"] + \
            [f"Q4_{i+1}" for i in range(len(TT))] + [f"Q5_{i+1}" for i in range(len(DISC))] + ["Q6", "Q7", "Q8", "Q9"]
    head2 = ["ResponseID", "ResponseSet", "Name", "ExternalDataReference", "EmailAddress", "IPAddress", "Status",
             "StartDate", "EndDate", "Finished", Q_GEM, Q_HAS, f"{Q_HAS}-TEXT", Q_N] + \
            [f"{Q_TT}-{TT[k]}" for k in TT_KEYS] + [f"{Q_DISC}-{DISC[k]}" for k in DISC_KEYS] + [Q_WIT, Q_MON, Q_SUP, Q_OPM]
    ex = extra_columns(BASE[0], "one")
    head1 += [f"Q{10 + i}" for i in range(len(ex))]
    head2 += [join_header(p, sep="-") for p, _ in ex]
    out = [head1, head2]
    test = dict(BASE[3], has="nee_gepland", n=None, tt=set(), disc=set(), date=(2015, 9, 10, 9, 0, 0))
    for i, r in enumerate(BASE + [test]):
        is_test = r is test
        out.append([f"R_{i:02d}aBcDeFgHiJ", "Default Response Set", "Anonymous" if not is_test else "Pietersen, Jan",
                    "", "" if not is_test else "j.pietersen@example.nl", f"82.{i}.1.{i+4}", "1" if is_test else "0",
                    fmt_date(r["date"], "iso"), fmt_date(r["date"], "iso"), "1", r["name"], HAS[r["has"]],
                    r.get("anders", ""), "" if r["n"] is None else str(r["n"])] +
                   ["1" if k in r["tt"] else "" for k in TT_KEYS] + ["1" if k in r["disc"] else "" for k in DISC_KEYS] +
                   [yn(r["wit"]), yn(r["mon"]), yn(r["sup"]), r["opm"]] + [v for _, v in extra_columns(r, "one")])
    write_csv(name, out)


qualtrics_legacy("03_qualtrics_legacy_v_columns.csv")
add("03_qualtrics_legacy_v_columns.csv", 2015, "read",
    "Legacy Qualtrics export (V1..V10): Status is the response type (0 = normal, 1 = survey preview), NOT completion; "
    "the row with Status 1 is a preview and must not be counted; Finished=1 is completion",
    municipalities=[r["gm"] for r in BASE], answers=expected_answers(BASE))


# 4. SurveyMonkey xlsx: two header rows, respondent/collector ids, names, US 12h dates, 'Response' subheaders
def surveymonkey_rows(old=False):
    if old:
        meta = ["RespondentID", "CollectorID", "StartDate", "EndDate", "IP Address", "Email Address", "First Name",
                "LastName", "Custom Data"]
    else:
        meta = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address", "First Name",
                "Last Name", "Custom Data 1"]
    h1 = meta + [Q_GEM, Q_HAS, "", Q_N, Q_TT] + [""] * (len(TT) - 1) + [Q_DISC] + [""] * (len(DISC) - 1) + \
        [Q_WIT, Q_MON, Q_SUP, Q_OPM]
    resp = "Open-Ended Response" if old else "Response"
    h2 = [""] * len(meta) + [resp, "Response", "Other (please specify)", resp] + [TT[k] for k in TT_KEYS] + \
        [DISC[k] for k in DISC_KEYS] + ["Response", "Response", "Response", "Open-Ended Response"]
    prev = None
    for (q, o, sub), _ in extra_columns(BASE[0], "label"):
        h1.append(q if q != prev else "")
        prev = q
        h2.append(" - ".join(x for x in (o, sub) if x) or "Response")
    out = [h1, h2]
    for i, r in enumerate(BASE):
        has = HAS[r["has"]] if r["has"] != "anders" else ""
        other = r.get("anders", "")
        out.append([str(10456789000 + i * 7919), "234567890", fmt_date(r["date"], "us12"), fmt_date(r["date"], "us12"),
                    f"31.{i}.44.{i*3}", "", "", "", ""] +
                   [r["name"], has, other, "" if r["n"] is None else str(r["n"])] +
                   [TT[k] if k in r["tt"] else "" for k in TT_KEYS] + [DISC[k] if k in r["disc"] else "" for k in DISC_KEYS] +
                   [yn(r["wit"]), yn(r["mon"]), yn(r["sup"]), r["opm"]] + [v for _, v in extra_columns(r, "label")])
    return out


wb = openpyxl.Workbook()
ws = wb.active
ws.title = "Sheet"
for row in surveymonkey_rows():
    ws.append([int(v) if v.isdigit() and len(v) > 6 else v for v in row])
wb.save(OUT / "04_surveymonkey_xlsx_two_header_rows.xlsx")
base_sm = [dict(r) for r in BASE]
exp_sm = expected_answers(BASE)
exp_sm["GM0448"]["has_teams"] = "anders"  # Other (please specify) filled, the choice cell empty
add("04_surveymonkey_xlsx_two_header_rows.xlsx", 2015, "read",
    "SurveyMonkey xlsx (2018+): question text in row 1 spanning its options, option labels / 'Response' in row 2; "
    "Respondent ID, Collector ID, IP, e-mail, names are personal/meta; dates US MM/DD/YYYY 12h; Texel chose "
    "'Other (please specify)' -> has_teams 'anders' with text (or an issue naming the cell)",
    municipalities=[r["gm"] for r in BASE], answers=exp_sm)

write_csv("05_surveymonkey_old_csv.csv", surveymonkey_rows(old=True))
add("05_surveymonkey_old_csv.csv", 2015, "read",
    "Older SurveyMonkey CSV (RespondentID, CollectorID, 'Open-Ended Response'); same content as 04",
    municipalities=[r["gm"] for r in BASE], answers=exp_sm)


# 6. LimeSurvey: question codes + answer codes -> no meaning in the file
def limesurvey_codes(name):
    head = ["id", "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp", "ipaddr",
            "G00Q01", "G01Q01", "G01Q01[other]", "G01Q02"] + [f"G01Q03[SQ00{i+1}]" for i in range(len(TT))] + \
           ["G02Q01", "G02Q02", "G02Q03", "G03Q01"]
    out = [head]
    for i, r in enumerate(BASE):
        out.append([str(i + 1), fmt_date(r["date"], "iso"), "4", "nl", str(1234567 + i), fmt_date(r["date"], "iso"),
                    fmt_date(r["date"], "iso"), f"10.0.0.{i+2}", r["gm"].replace("GM", ""), f"A{HAS_CODES[r['has']]}",
                    r.get("anders", ""), "" if r["n"] is None else str(r["n"])] +
                   ["Y" if k in r["tt"] else "" for k in TT_KEYS] + [yn(r["wit"], "Y", "N"), yn(r["mon"], "Y", "N"),
                                                                     yn(r["sup"], "Y", "N"), r["opm"]])
    write_csv(name, out)


limesurvey_codes("06_limesurvey_question_and_answer_codes.csv")
add("06_limesurvey_question_and_answer_codes.csv", 2015, "refuse",
    "LimeSurvey 'question code / answer codes' export: headers G01Q01..., answers A1..A4, municipality as bare "
    "numbers; nothing in the file says what the codes mean -> refuse naming the unrecognised columns",
    because="question codes without question texts")


# 7. LimeSurvey full text: "Question [Option]" headers, Yes/empty, incomplete rows have no submit date
def limesurvey_full(name):
    head = ["Response ID", "Date submitted", "Last page", "Start language", "Seed", "Date started", "Date last action",
            "IP address", "Referrer URL", Q_GEM, Q_HAS, f"{Q_HAS} [Other]", Q_N] + \
           [f"{Q_TT} [{TT[k]}]" for k in TT_KEYS] + [f"{Q_DISC} [{DISC[k]}]" for k in DISC_KEYS] + \
           [Q_WIT, Q_MON, Q_SUP, Q_OPM] + [join_header(p, lime=True) for p, _ in extra_columns(BASE[0], "yesno")]
    out = [head]
    for i, r in enumerate(BASE):
        has = HAS[r["has"]] if r["has"] != "anders" else "Other"
        out.append([str(i + 11), fmt_date(r["date"], "iso"), "5", "nl", str(998877 + i), fmt_date(r["date"], "iso"),
                    fmt_date(r["date"], "iso"), f"192.0.2.{i+9}", "", r["name"], has, r.get("anders", ""),
                    "" if r["n"] is None else str(r["n"])] +
                   ["Yes" if k in r["tt"] else ("No" if r["has"] == "ja" else "") for k in TT_KEYS] +
                   ["Yes" if k in r["disc"] else ("No" if r["has"] == "ja" else "") for k in DISC_KEYS] +
                   [yn(r["wit"], "Yes", "No"), yn(r["mon"], "Yes", "No"), yn(r["sup"], "Yes", "No"), r["opm"]] +
                   [v for _, v in extra_columns(r, "yesno")])
    write_csv(name, out)


limesurvey_full("07_limesurvey_full_answers_text.csv")
add("07_limesurvey_full_answers_text.csv", 2015, "read",
    "LimeSurvey 'full answers / full question text': option columns 'Question [Option]', Yes/No, 'Other' with a "
    "'[Other]' text column; IP address and Referrer URL are not data",
    municipalities=[r["gm"] for r in BASE], answers=expected_answers(BASE))


# 8. Google Forms NL: checkbox answers joined with ', ' in one cell (labels contain commas!), d-m-yyyy H:MM:SS
def google(name, lang):
    ts, em = ("Tijdstempel", "E-mailadres") if lang == "nl" else ("Timestamp", "Email Address")
    head = [ts, em, Q_GEM, Q_HAS, Q_N, Q_TT, Q_DISC, Q_WIT, Q_MON, Q_SUP, Q_OPM] + \
        [join_header(p, lime=True) for p, _ in extra_columns(BASE[0], "joined")]
    out = [head]
    for i, r in enumerate(BASE):
        has = HAS[r["has"]] if r["has"] != "anders" else r.get("anders", "")  # 'Other' writes the typed text
        out.append([fmt_date(r["date"], "nl" if lang == "nl" else "us"), f"beleid{i}@gemeente-voorbeeld.nl", r["name"], has,
                    "" if r["n"] is None else str(r["n"]),
                    ", ".join(TT[k] for k in TT_KEYS if k in r["tt"]),
                    ", ".join(DISC[k] for k in DISC_KEYS if k in r["disc"]),
                    yn(r["wit"]), yn(r["mon"]), yn(r["sup"]), r["opm"]] + [v for _, v in extra_columns(r, "joined")])
    write_csv(name, out, lineterminator="\n")


google("08_google_forms_nl.csv", "nl")
exp_g = expected_answers(BASE)
add("08_google_forms_nl.csv", 2015, "read",
    "Google Forms (NL): checkbox answers joined with ', ' in one cell although labels contain commas "
    "('bijv. jeugd, ouderen, ...'): split by known labels, not by commas; Texel's 'Anders' shows only the typed text "
    "'Eén loket' -> has_teams must be 'anders' or an issue on that cell, never a guess; e-mail column is personal",
    municipalities=[r["gm"] for r in BASE],
    answers={k: {c: v for c, v in a.items() if not (k == "GM0448" and c == "has_teams")} for k, a in exp_g.items()},
    issue_or_value={"GM0448": {"has_teams": "anders"}})

google("09_google_forms_en_locale_us_dates.csv", "en")
add("09_google_forms_en_locale_us_dates.csv", 2015, "read",
    "Google Forms with an English (US) account: Timestamp M/D/YYYY (10/21/2015 proves month first); Email Address",
    municipalities=[r["gm"] for r in BASE],
    answers={k: {c: v for c, v in a.items() if not (k == "GM0448" and c == "has_teams")} for k, a in exp_g.items()},
    issue_or_value={"GM0448": {"has_teams": "anders"}})


# 10. SPSS .sav with value labels: gemeente numbered 1..6 alphabetically (NOT CBS codes), 9 = weet niet
def labelled_frame():
    names = sorted(r["name"] for r in BASE)
    gem_labels = {float(i + 1): n for i, n in enumerate(names)}
    rows = []
    for r in BASE:
        rows.append({"gemeente": float(names.index(r["name"]) + 1), "q1": float(HAS_CODES[r["has"]]),
                     "q2": float(r["n"]) if r["n"] is not None else None,
                     **{f"q3_{i+1}": (1.0 if k in r["tt"] else 0.0) if r["has"] == "ja" else None for i, k in enumerate(TT_KEYS)},
                     **{f"q4_{i+1}": (1.0 if k in r["disc"] else 0.0) if r["has"] == "ja" else None for i, k in enumerate(DISC_KEYS)},
                     "q5": (1.0 if r["wit"] else 0.0) if r["wit"] is not None else None,
                     "q6": (1.0 if r["mon"] else 0.0) if r["mon"] is not None else None,
                     "q7": 1.0 if r["sup"] else 0.0,
                     **{f"x{i}": (None if v == "" else float(v)) for i, (_, v) in enumerate(extra_columns(r, "num"))}})
    df = pd.DataFrame(rows)
    labels = {"gemeente": Q_GEM, "q1": Q_HAS, "q2": Q_N, **{f"q3_{i+1}": f"{Q_TT} - {TT[k]}" for i, k in enumerate(TT_KEYS)},
              **{f"q4_{i+1}": f"{Q_DISC} - {DISC[k]}" for i, k in enumerate(DISC_KEYS)},
              "q5": Q_WIT, "q6": Q_MON, "q7": Q_SUP,
              **{f"x{i}": join_header(p) for i, (p, _) in enumerate(extra_columns(BASE[0], "num"))}}
    yesno = {1.0: "Ja", 0.0: "Nee", 9.0: "Weet niet"}
    vlabels = {"gemeente": gem_labels, "q1": {float(v): HAS[k] for k, v in HAS_CODES.items()} | {9.0: "Weet niet"},
               **{f"q3_{i+1}": {1.0: "Gekozen", 0.0: "Niet gekozen"} for i in range(len(TT))},
               **{f"q4_{i+1}": {1.0: "Gekozen", 0.0: "Niet gekozen"} for i in range(len(DISC))},
               "q5": yesno, "q6": yesno, "q7": yesno,
               **{f"x{i}": ({1.0: PS["enkelvoudig"], 2.0: PS["meervoudig"], 3.0: PS["beide"]} if i == 0 else
                            {1.0: "Gekozen", 0.0: "Niet gekozen"}) for i in range(len(extra_columns(BASE[0], "num")))}}
    return df, labels, vlabels


df, labels, vlabels = labelled_frame()
pyreadstat.write_sav(df, OUT / "10_spss_value_labels.sav", column_labels=labels, variable_value_labels=vlabels)
exp10 = expected_answers(BASE)
add("10_spss_value_labels.sav", 2015, "read",
    "SPSS file from a researcher: variables q1..q7 with question texts as variable labels; gemeente numbered 1..6 "
    "alphabetically with value labels (3 = Hengelo... a bare 3 is NOT GM0003)",
    municipalities=[r["gm"] for r in BASE], answers=exp10)

# 11. SPSS again with an unlabelled code (7 in q1) and a 9 = 'weet niet' in q5
df11, labels11, vlabels11 = labelled_frame()
df11.loc[1, "q1"] = 7.0
df11.loc[0, "q5"] = 9.0
pyreadstat.write_sav(df11, OUT / "11_spss_unlabelled_code.sav", column_labels=labels11, variable_value_labels=vlabels11)
exp11 = {k: dict(a) for k, a in exp10.items()}
exp11["GM0193"].pop("has_teams")
exp11["GM0344"]["work_income_tasks"] = None
add("11_spss_unlabelled_code.sav", 2015, "issue",
    "As 10, but Zwolle's q1 holds 7, a code with no value label (-> an issue naming that cell, never a value); "
    "Utrecht's q5 is 9 'Weet niet' (-> missing, not False)",
    municipalities=[r["gm"] for r in BASE], answers=exp11, issue_cells=[["GM0193", "has_teams"]])

# 12. Hand-made Excel: notes sheet, title rows above the header, ticks 'x', a totals row, contact person columns
wb = openpyxl.Workbook()
ws0 = wb.active
ws0.title = "Toelichting"
ws0.append(["Inventarisatie sociale wijkteams, najaar 2015"])
ws0.append(["Ingevuld door de beleidsmedewerkers; zie tabblad Antwoorden."])
ws = wb.create_sheet("Antwoorden")
ws.append(["Inventarisatie sociale wijkteams 2015"])
ws.append([])
ws.append(["Gemeente", "Provincie", "Contactpersoon", "Telefoonnummer", Q_HAS, Q_N,
           f"{Q_TT} - {TT['breed_integraal']}", f"{Q_TT} - {TT['doelgroepgericht']}", Q_MON, "Opmerkingen",
           Q_DISC, Q_WIT, Q_SUP] + [join_header(p) for p, _ in extra_columns(BASE[0], "x")])
hand = [("Bergen (NH)", "Noord-Holland", "GM0373", "ja", 2, {"breed_integraal"}, True),
        ("Bergen (L.)", "Limburg", "GM0893", "nee_gepland", None, set(), None),
        ("Súdwest Fryslân", "Friesland", "GM1900", "ja", 5, {"breed_integraal"}, True),
        ("Nuenen, Gerwen en Nederwetten", "Noord-Brabant", "GM0820", "ja", 1, {"doelgroepgericht"}, False),
        ("Utrecht", "Utrecht", "GM0344", "ja", 18, {"breed_integraal"}, True)]
for i, (nm, pv, gm, has, n, tt, mon) in enumerate(hand):
    ws.append([nm, pv, f"mw. A. de Vries {i}", f"06-1234567{i}", HAS[has], n,
               "x" if "breed_integraal" in tt else "", "x" if "doelgroepgericht" in tt else "",
               yn(mon), "", "", "", ""] + [v for _, v in extra_columns(dict(gm=gm, has=has), "x")])
ws.append(["Totaal", "", "", "", "", 26, 3, 1, "", ""])
wb.save(OUT / "12_handmade_excel_title_rows_totals.xlsx")
exp12 = {}
for _nm, _pv, gm, has, n, tt, mon in hand:
    a = {"has_teams": has}
    if has == "ja":
        a.update({"n_teams": n, "team_type__breed_integraal": "breed_integraal" in tt,
                  "team_type__doelgroepgericht": "doelgroepgericht" in tt, "monitors_teams": mon})
    exp12[gm] = a
add("12_handmade_excel_title_rows_totals.xlsx", 2015, "read",
    "Hand-made Excel: a notes sheet, a title row + blank row above the header, contact person and phone columns "
    "(personal), 'x' ticks, qualifiers 'Bergen (NH)' / 'Bergen (L.)' with a province column, and a 'Totaal' row at "
    "the bottom that is not a municipality",
    municipalities=[g[2] for g in hand], answers=exp12)

# 13. Excel with two sheets of responses
wb = openpyxl.Workbook()
for title, part in (("Ronde 1", BASE[:3]), ("Ronde 2", BASE[3:])):
    ws = wb.active if title == "Ronde 1" else wb.create_sheet(title)
    ws.title = title
    ws.append(["Gemeente", Q_HAS, Q_N, Q_MON])
    for r in part:
        ws.append([r["name"], HAS[r["has"]], r["n"], yn(r["mon"])])
wb.save(OUT / "13_excel_two_response_sheets.xlsx")
add("13_excel_two_response_sheets.xlsx", 2015, "refuse",
    "Two sheets ('Ronde 1', 'Ronde 2') both hold responses (3 municipalities each): reading only the first silently "
    "loses half -> refuse naming both sheets, or read both and say so",
    because="two sheets with responses", alt_read_municipalities=[r["gm"] for r in BASE])


# 14-20: Dutch semicolon exports in the style of a Dutch survey tool
def dutch_rows(rows, gem_cols=("Gemeente",), extra=None):
    head = list(gem_cols) + ["Datum ingevuld", Q_HAS, Q_N] + [f"{Q_TT} - {TT[k]}" for k in TT_KEYS] + \
           [f"{Q_DISC} - {DISC[k]}" for k in DISC_KEYS] + \
           [Q_WIT, Q_MON, Q_SUP, Q_OPM] + [join_header(p) for p, _ in extra_columns(BASE[0], "nl")]
    out = [head]
    for r in rows:
        gem = [r[c] for c in r["_gem"]] if "_gem" in r else [r["name"]]
        out.append(gem + [fmt_date(r["date"], "nl_slash"), HAS[r["has"]], "" if r["n"] is None else str(r["n"])] +
                   ([("ja" if k in r["tt"] else "nee") for k in TT_KEYS] if r["has"] == "ja" else [""] * len(TT)) +
                   ([("ja" if k in r["disc"] else "nee") for k in DISC_KEYS] if r["has"] == "ja" else [""] * len(DISC)) +
                   [yn(r["wit"]), yn(r["mon"]), yn(r["sup"]), r["opm"]] + [v for _, v in extra_columns(r, "nl")])
    return out


# 14. broken quote
rows14 = dutch_rows(BASE)
buf = io.StringIO()
csv.writer(buf, delimiter=";", lineterminator="\r\n").writerows(rows14)
lines = buf.getvalue().split("\r\n")
# Utrecht's remark: an opening quote that is never closed (typed in the tool, exported raw)
lines[1] = lines[1].replace("Wij werken met buurtteams, zie ook de notitie.", '"Wij werken met buurtteams; zie ook de notitie')
(OUT / "14_broken_quote_swallows_rows.csv").write_bytes("\r\n".join(lines).encode("utf-8"))
add("14_broken_quote_swallows_rows.csv", 2015, "refuse",
    "An unclosed quote in Utrecht's remark (line 2) swallows every following record into one field -> an error "
    "naming line 2, never a table with 1 municipality",
    because="unclosed quote at line 2")

# 15. responses from another wave pasted in, no wave column
rows15 = [dict(r) for r in BASE] + [
    dict(BASE[0], gm="GM0392", name="Haarlem", date=(2014, 10, 8, 10, 0, 0)),
    dict(BASE[1], gm="GM0855", name="Tilburg", date=(2014, 10, 15, 13, 30, 0))]
write_csv("15_rows_from_other_wave_no_wave_column.csv", dutch_rows(rows15), delimiter=";", bom=True)
exp15 = expected_answers(BASE)
add("15_rows_from_other_wave_no_wave_column.csv", 2015, "read",
    "Two rows dated October 2014 (outside the 2015 fieldwork 14 Sep - 27 Nov 2015) pasted in: set aside with the "
    "reason, not counted (Haarlem GM0392, Tilburg GM0855 must not be in the table)",
    municipalities=[r["gm"] for r in BASE], answers=exp15, set_aside=["GM0392", "GM0855"])

# 16. qualifiers with a province column; 'Bergen' alone needs the province
rows16 = [dict(BASE[0], _gem=("name", "prov")), dict(BASE[1], _gem=("name", "prov")),
          dict(BASE[3], gm="GM0373", name="Bergen", prov="Noord-Holland", _gem=("name", "prov")),
          dict(BASE[5], gm="GM0893", name="Bergen", prov="Limburg", _gem=("name", "prov")),
          dict(BASE[2], gm="GM0748", name="Bergen op Zoom", prov="Noord-Brabant", _gem=("name", "prov"))]
write_csv("16_bergen_with_province_column.csv", dutch_rows(rows16, gem_cols=("Gemeente", "Provincie")), delimiter=";")
exp16 = {}
for r in rows16:
    e = expected_answers([r])[r["gm"]]
    exp16[r["gm"]] = e
add("16_bergen_with_province_column.csv", 2015, "read",
    "'Bergen' twice, told apart only by the Provincie column (Noord-Holland -> GM0373, Limburg -> GM0893); "
    "'Bergen op Zoom' is its own municipality; two rows must not collapse into one",
    municipalities=[r["gm"] for r in rows16], answers=exp16)

# 17. identifier conflicts: name vs code
rows17 = [dict(BASE[0], code="GM0344", _gem=("name", "code")), dict(BASE[1], code="GM0344", _gem=("name", "code")),
          dict(BASE[3], code="GM0505", _gem=("name", "code")), dict(BASE[5], code="GM1900", _gem=("name", "code"))]
write_csv("17_name_and_code_disagree.csv", dutch_rows(rows17, gem_cols=("Gemeente", "CBS-code")), delimiter=";")
add("17_name_and_code_disagree.csv", 2015, "issue",
    "Row 2 says Gemeente 'Zwolle' but CBS-code 'GM0344' (Utrecht): an issue naming both readings; it must not "
    "silently become a second Utrecht nor replace Utrecht's answers",
    issue_cells=[["row 2", "gemeente"]], municipalities_at_least=["GM0344", "GM0505", "GM1900"],
    answers={"GM0344": {"has_teams": "ja", "n_teams": 18}})

# 18. 'weet niet' and other words in option columns
rows18 = dutch_rows(BASE)
tt_idx = rows18[0].index(f"{Q_TT} - {TT['doelgroepgericht']}")
rows18[1][tt_idx] = "weet niet"        # Utrecht: declared missing
rows18[2][tt_idx + 1] = "deels"        # Zwolle, multiprobleem: not a tick, not a no, not a missing code
write_csv("18_weet_niet_and_deels_in_option_columns.csv", rows18, delimiter=";")
exp18 = expected_answers(BASE)
exp18["GM0344"]["team_type__doelgroepgericht"] = None
exp18["GM0193"].pop("team_type__multiprobleem")
add("18_weet_niet_and_deels_in_option_columns.csv", 2015, "issue",
    "Utrecht answered 'weet niet' for one option (-> missing, never False); Zwolle wrote 'deels' in the "
    "multiprobleem option (-> an issue naming that cell)",
    municipalities=[r["gm"] for r in BASE], answers=exp18, issue_cells=[["GM0193", "team_type__multiprobleem"]])

# 19. Excel 'Unicode text' export: UTF-16LE + BOM, tab separated
rows19 = dutch_rows(BASE)
text = "\r\n".join("\t".join(r) for r in rows19) + "\r\n"
(OUT / "19_excel_unicode_text_utf16_tabs.txt").write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
add("19_excel_unicode_text_utf16_tabs.txt", 2015, "read",
    "Excel 'Save as Unicode text': UTF-16 little endian with BOM, tab separated, CRLF",
    municipalities=[r["gm"] for r in BASE], answers=exp15)

# 20. Windows-1252, semicolons, decimal comma count, summary rows at the bottom, personal columns with Dutch names
rows20 = dutch_rows(BASE, gem_cols=("Gemeente",))
rows20[0] = ["Naam invuller", "IP-adres"] + rows20[0]
for i, r in enumerate(rows20[1:]):
    r[:0] = [f"J. Jansen-{i}", f"77.{i}.3.1"]
n_idx = rows20[0].index(Q_N)
rows20[1][n_idx] = "18,0"
rows20.append([""] * len(rows20[0]))
rows20.append(["Aantal respondenten: 6"] + [""] * (len(rows20[0]) - 1))
rows20.append(["Geëxporteerd op 01-12-2015"] + [""] * (len(rows20[0]) - 1))
write_csv("20_cp1252_semicolon_summary_rows.csv", rows20, delimiter=";", encoding="cp1252")
add("20_cp1252_semicolon_summary_rows.csv", 2015, "read",
    "Windows-1252 (é, ë, â), semicolons, '18,0' as a count, 'Naam invuller' and 'IP-adres' columns (personal, "
    "dropped), and two note rows at the bottom ('Aantal respondenten: 6', 'Geëxporteerd op ...') that are not responses",
    municipalities=[r["gm"] for r in BASE], answers=exp15)

(OUT / "manifest.yaml").write_text(
    "# Written from the codebook only (data/raw/codebook_movisie.yaml), without reading src/.\n"
    "# expect: read (the table must hold exactly `municipalities` with `answers`; null = missing),\n"
    "#         issue (as read, plus an issue naming `issue_cells`), refuse (a clear error; `because`).\n"
    "# A refusal of a 'read' file counts as 'clearly refused', not as correct; any other difference is silent.\n"
    + yaml.safe_dump({"exports": MANIFEST}, allow_unicode=True, sort_keys=False, width=120), encoding="utf-8")
print(len(MANIFEST), "exports written")
