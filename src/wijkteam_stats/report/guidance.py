"""What the shipped sources say that a municipality report can use (Dutch, quoted or closely paraphrased).

From the LPGGz handreiking (``data/raw/sources/lpggz_handreiking_burgerbetrokkenheid-wijkteams.txt``): the four
roles residents can play towards a team and the adviesraden's criteria "vanuit burgerperspectief", turned into
questions a council member can ask, and the local examples the handreiking names (keyed by CBS code of 2015).
:data:`SOURCES` gives the title and link of every source key of ``data/raw/published``.
"""

from __future__ import annotations

HANDREIKING = "lpggz_handreiking"

#: (role, section of the handreiking, question for the municipality) -- handreiking § 3 a-d.
ROLE_QUESTIONS: list[tuple[str, str, str]] = [
    ("Signaleren", "§ 3a", "Kunnen bewoners bij het wijkteam melden wat er in hun wijk speelt, en gebeurt er iets "
                          "met die signalen?"),
    ("Uitvoeren", "§ 3b", "Werken bewoners, vrijwilligers of ervaringsdeskundigen mee in het wijkteam, "
                         "bijvoorbeeld bij een inlooppunt of als onafhankelijk cliëntondersteuner?"),
    ("Meedenken en adviseren", "§ 3c", "Denken bewoners mee over de wijkanalyse, de agenda en de evaluatie van "
                                       "het wijkteam?"),
    ("Beslissen", "§ 3d", "Beslissen bewoners mee over het wijkteam, bijvoorbeeld over het werkplan of het "
                          "benoemen van medewerkers?"),
]

#: (criterion, question) -- the criteria "vanuit burgerperspectief" of handreiking § 4c.
CRITERIA_QUESTIONS: list[tuple[str, str]] = [
    ("Outreachend werken", "Zoekt het wijkteam zelf mensen op, ook als zij niet om hulp vragen?"),
    ("Onafhankelijke cliëntondersteuning", "Is er een onafhankelijke cliëntondersteuner beschikbaar?"),
    ("Zelfregie", "Stimuleert de werkwijze zelfregie, zonder verantwoordelijkheden over te nemen?"),
    ("Informele organisaties", "Ondersteunt het wijkteam informele burgerorganisaties en bewonersinitiatieven?"),
    ("Burgervriendelijk", "Werken de medewerkers van het wijkteam burgervriendelijk?"),
]

#: Published local examples per municipality (CBS code of 2015): the handreiking's own sentence and section.
LOCAL_EXAMPLES: dict[str, list[dict[str, str]]] = {
    "GM0772": [{"source": HANDREIKING, "section": "§ 3b",
                "text": "Zo zijn in Eindhoven bewoners betrokken bij de werving en selectie van medewerkers en "
                        "hebben zij meegedacht over de organisatievisie van de sociale teams."}],
    "GM0202": [{"source": HANDREIKING, "section": "§ 3b",
                "text": "In de wijk Presikhaaf in Arnhem willen het sociale wijkteam en Bewonersbedrijf Diagonaal "
                        "samenwerken en naar elkaar doorverwijzen."}],
    "GM0268": [{"source": HANDREIKING, "section": "§ 3b",
                "text": "In Nijmegen is een lid van een afdeling van Onderling Sterk (belangenbehartigingsorganisatie "
                        "door en voor mensen met een verstandelijke beperking) vanuit een sociale werkplaats "
                        "gedetacheerd bij een sociaal wijkteam."}],
    "GM0479": [{"source": HANDREIKING, "section": "§ 3b",
                "text": "De stichting Bewoners Bedrijven Zaanstad is hier een voorbeeld van. De verenigde bewoners "
                        "zijn onderaannemer in twee sociale wijkteams en zetten zich in op een aantal kerntaken, "
                        "waaronder participatie naar werk en het versterken van buurtkracht."}],
    "GM0014": [{"source": HANDREIKING, "section": "§ 3c",
                "text": "In Groningen bijvoorbeeld hebben bewoners in bijeenkomsten meegedacht over wat voor hun de "
                        "meerwaarde van een wijkteam zou kunnen zijn."}],
}

#: Title and link of each source key (``data/raw/published``); ``file``: the shipped full text, if any.
SOURCES: dict[str, dict[str, str]] = {
    "news_2016-03-11": {"title": "Wijkteams: Burgerkracht raakt uit beeld (nieuwsbericht, 11 maart 2016)",
                        "file": "news_2016-03-11_wijkteams-burgerkracht-raakt-uit-beeld.txt"},
    HANDREIKING: {"title": "Landelijk Platform GGZ, Burgerbetrokkenheid bij sociale wijkteams. Handreiking voor "
                           "adviesraden sociaal domein",
                  "file": "lpggz_handreiking_burgerbetrokkenheid-wijkteams.txt"},
    "movisie_2015_report": {
        "title": "Van Arum & Schoorl (2016), Sociale (wijk)teams in beeld, Movisie",
        "url": "https://www.movisie.nl/sites/default/files/alfresco_files/"
               "Sociale-wijkteams-in-beeld%20%5BMOV-9164168-1.1%5D.pdf"},
}


def source_link(key: str, prefix: str) -> dict[str, str | None]:
    """Title and href of a source key; ``prefix`` is the relative path from the page to ``data/raw/sources``."""
    info = SOURCES.get(key, {})
    href = info.get("url") or (f"{prefix}/{info['file']}" if "file" in info else None)
    return {"key": key, "title": info.get("title", key), "href": href}
