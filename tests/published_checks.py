"""What a published page must pass, read from its HTML (text outside <code>, <pre>, <script>, <style>):
one H1, no code token (snake_case identifier), no ISO date in prose, no NaN/None/True/False, no English status
word, every <img> with a real alt text. Used by tests/test_published_pages.py and tests/test_browser.py."""
from __future__ import annotations

import re
from html.parser import HTMLParser

CODE_TOKEN = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")  # snake_case identifiers
ISO_DATE = re.compile(r"\b(19|20)\d\d-\d\d-\d\d\b")
MISSING = re.compile(r"\b(NaN|nan|None|True|False|<NA>)\b")
ENGLISH = re.compile(r"\b(match|mismatch|not reproducible|rounded|approximate|kept|merged|dropped|rows read|"
                     r"published|reproduced|respondents|with_teams)\b")


class _Text(HTMLParser):
    SKIP = {"code", "pre", "script", "style", "kbd", "samp"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.parts: list[str] = []
        self.h1 = 0
        self.imgs: list[str | None] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.depth += 1
        if tag == "h1":
            self.h1 += 1
        if tag == "img":
            self.imgs.append(dict(attrs).get("alt"))

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if not self.depth:
            self.parts.append(data)


def page_problems(html: str) -> list[str]:
    """Every rule the page breaks, as short descriptions (empty: the page passes)."""
    p = _Text()
    p.feed(html)
    text = " ".join(p.parts)
    out = []
    if p.h1 != 1:
        out.append(f"{p.h1} h1")
    for pat, what in ((CODE_TOKEN, "code token"), (ISO_DATE, "ISO date"), (MISSING, "missing/bool"),
                      (ENGLISH, "English word")):
        hits = sorted(set(m.group(0) for m in pat.finditer(text)))
        if hits:
            out.append(f"{what}: {hits[:8]} ({len(hits)})")
    bad_alt = [a for a in p.imgs if not a or len(a) < 12 or "No description" in a]
    if bad_alt:
        out.append(f"{len(bad_alt)} img without a real alt")
    return out
