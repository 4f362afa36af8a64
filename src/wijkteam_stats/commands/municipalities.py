"""``wijkteam municipalities``: look up municipalities in the CBS register."""

from __future__ import annotations

import argparse
import sys

HELP = "resolve names/codes to CBS codes, show the register of a year, map codes to 2025"


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    r = sub.add_parser("resolve", help="a CBS code (GMxxxx) from a code, number or free-text name")
    r.add_argument("text", nargs="+", help="name or code, e.g. 'den bosch', 0363, GM0599")
    r.add_argument("--year", type=int, default=None, help="resolve for 1 January of this year (2014-2025)")
    r.add_argument("--province", default=None, help="province name or PVxx code, to settle ambiguous names")
    s = sub.add_parser("show", help="print the register of a year as CSV")
    s.add_argument("--year", type=int, required=True)
    c = sub.add_parser("to2025", help="the 2025 municipality (with area share) of a code")
    c.add_argument("code")
    c.add_argument("--year", type=int, default=None)


def run(args: argparse.Namespace) -> int:
    from wijkteam_stats.reference import municipalities as m

    if args.action == "resolve":
        text = " ".join(args.text)
        try:
            code = m.resolve(text, year=args.year, province=args.province)
        except LookupError as err:
            print(f"error: {err}", file=sys.stderr)
            return 1
        row = m.code_periods().query("gm_code == @code").sort_values("begindatum").iloc[-1]
        print(f"{code}\t{row['name']}\t{row['province']}")
        return 0
    if args.action == "show":
        m.register(args.year).to_csv(sys.stdout, index=False)
        return 0
    try:
        m.to_2025(m.resolve(args.code, year=args.year), args.year).to_csv(sys.stdout, index=False)
    except LookupError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0
