"""Time in words: the periods, bases and dates an article names, in French, English and Arabic.

"entre janvier et novembre 2025", "à fin novembre", "au terme des onze premiers mois",
"jusqu'à novembre dernier", "T3 2025", "in the first nine months", "متم نونبر",
"خلال الأشهر الأحد عشر الأولى" each name a run of months (:class:`service.periods.Period`);
"par rapport à la même période de l'année précédente", "year-on-year", "par rapport à
2019", "مقارنة بسنة 2019" name a base; "le 17 avril 2025", "May 7, 2025", "26/11/2025"
name a day, which is never a period and whose numbers are never figures.

dateparser and dateutil read one date at a time and know no "neuf premiers mois" nor
"متم نونبر"; no library reads a press period in words.  So this is a table of
patterns over the text folded as the figure reader folds it (case, accents, hamza
seats, Arabic-Indic digits), each giving a :class:`Mention` with its offsets in the
original text.  A mention whose year is not printed ("à fin novembre", "novembre
dernier") keeps ``year=None`` and says how its year is to be found (``relative``):
the article reader resolves it with the publication date or the year in force.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from service.figures import folded
from service.periods import Period
from service.reasons import N_, Reason

MONTHS: dict[str, int] = {
    # French
    "janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
    "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "decembre": 12,
    # English ("may" and "march" are words too: _months_in_case keeps them capitalised only)
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12, "sept": 9,
    # Arabic, as Morocco writes them (نونبر, شتنبر, غشت) and as the Mashreq does (نوفمبر)
    "يناير": 1, "فبراير": 2, "مارس": 3, "ابريل": 4, "ماي": 5, "مايو": 5, "يونيو": 6,
    "يوليوز": 7, "يوليو": 7, "غشت": 8, "اغسطس": 8, "شتنبر": 9, "سبتمبر": 9, "اكتوبر": 10,
    "نونبر": 11, "نوفمبر": 11, "دجنبر": 12, "ديسمبر": 12,
}  # fmt: skip

COUNTS: dict[str, int] = {
    "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8, "neuf": 9,
    "dix": 10, "onze": 11, "douze": 12,
    "two": 2, "three": 3, "four": 4, "five": 5, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12,
    "الثلاثة": 3, "الاربعة": 4, "الخمسة": 5, "الستة": 6, "السبعة": 7, "الثمانية": 8,
    "التسعة": 9, "العشرة": 10, "الاحد عشر": 11, "الاثني عشر": 12,
}  # fmt: skip

ORDINALS: dict[str, int] = {
    "premier": 1, "1er": 1, "first": 1, "deuxieme": 2, "second": 2, "2e": 2, "2eme": 2,
    "troisieme": 3, "third": 3, "3e": 3, "3eme": 3, "quatrieme": 4, "fourth": 4, "4e": 4, "4eme": 4,
    "الاول": 1, "الثاني": 2, "الثالث": 3, "الرابع": 4,
}  # fmt: skip


@dataclass(frozen=True)
class Mention:
    """Words naming a time, where they are in the text.

    kind: ``period`` (a run of months: ``first``..``last`` month of ``year``), ``years``
    (``first``..``last`` are years: "entre 2021 et 2024"), ``same`` ("over the same period":
    the period in force), ``base`` (``base`` is ``same`` for the same months a year earlier,
    ``previous_month``, or ``year`` with ``year`` set), ``since`` (a base year), ``date`` (a day).
    ``relative`` says how a missing year is found: ``last`` ("novembre dernier": the latest
    such month before publication), ``this``/``previous`` (this year, last year), or ``None``.
    """

    kind: str
    start: int
    end: int
    text: str
    year: int | None = None
    first: int = 1
    last: int = 12
    base: str | None = None
    relative: str | None = None

    def period(self, year: int | None = None) -> Period | None:
        """The months named, in ``year`` when the text printed none."""
        year = self.year if self.year is not None else year
        if self.kind == "years":
            return Period(self.first * 12, self.last * 12 + 11)
        if self.kind != "period" or year is None:
            return None
        return Period(year * 12 + self.first - 1, year * 12 + self.last - 1)


# --- the patterns -------------------------------------------------------------------

_Y = r"(?P<{name}>(?:19|20)\d\d)(?!\d)"


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


def _months(name: str) -> str:
    return rf"(?P<{name}>{_alternation(list(MONTHS))})(?!\w)"


def _year(name: str = "y") -> str:
    return _Y.format(name=name)


_COUNT = rf"(?P<n>\d{{1,2}}|{_alternation(list(COUNTS))})"
_ORD = rf"(?P<o>{_alternation(list(ORDINALS))})"
_OPT_YEAR = rf"(?:\s+(?:de\s+l'annee\s+|de\s+|d'|of\s+|من\s+|(?:من\s+)?(?:سنة|عام)\s+)?{_year()})?"
_LAST = r"(?P<last>\s+dernier|\s+derniere|\s+الماضي|\s+المنصرم)?"
_AR_PREFIX = r"(?:ب|ل|و)?"

# (kind, pattern): tried at each position, longest match first, so "à fin novembre 2025"
# wins over "novembre 2025".
_PATTERNS: list[tuple[str, str]] = [
    # days: never periods, and their numbers never figures
    ("date", r"(?<!\d)\d{1,2}[/.-]\d{1,2}[/.-](?:19|20)?\d\d(?!\d)"),
    ("date", r"(?<!\d)(?:19|20)\d\d-\d\d-\d\d(?!\d)"),
    ("date", r"(?<!\d)\d{1,2}\s*(?:h|:)\s*\d{0,2}(?![\d\w])"),
    ("date", rf"(?<!\d)\d{{1,2}}(?:er)?\s+{_months('m1')}(?:\s*,?\s*{_year()})?"),
    ("date", rf"{_months('m1')}\s+\d{{1,2}}(?:st|nd|rd|th)?(?!\d)(?:\s*,\s*{_year()})?"),
    # runs of months
    ("range", rf"(?:entre|de|du|from|between|ما\s+بين|بين|من)\s+(?:(?:le\s+)?mois\s+de\s+|شهر\s+)?{_months('m1')}\s+(?:et|a|au|to|and|through|until|الى|و|حتى)\s*(?:(?:le\s+)?mois\s+de\s+|شهر\s+)?{_months('m2')}{_OPT_YEAR}"),
    ("range", rf"{_months('m1')}\s*[-–]\s*{_months('m2')}{_OPT_YEAR}"),
    ("to", rf"(?:(?:a|au|at|to|by|jusqu'a|up\s+to)\s+)?(?:(?:la\s+)?fin|the\s+end\s+of|end(?:-|\s+of\s+)|end)\s+(?:(?:du\s+)?mois\s+(?:de\s+|d')|(?P<lastfirst>last\s+))?{_months('m1')}{_LAST}{_OPT_YEAR}"),
    ("to", rf"(?:jusqu'(?:a|au)|up\s+to|until|through)\s+(?:(?:la\s+)?fin\s+|(?:le\s+)?mois\s+de\s+|(?P<lastfirst>last\s+))?{_months('m1')}{_LAST}{_OPT_YEAR}"),
    ("to", rf"(?:(?:عند|الى\s+غاية|حتى|الى)\s+)?(?:متم|نهاية|اواخر)\s+(?:شهر\s+)?{_months('m1')}{_LAST}{_OPT_YEAR}"),
    ("to", rf"(?:الى\s+غاية|حتى)\s+(?:شهر\s+)?{_months('m1')}{_LAST}{_OPT_YEAR}"),
    ("first", rf"(?:(?:au\s+terme|au\s+cours|a\s+l'issue|lors)\s+des|(?:sur|durant|pendant|pour)\s+les|des|les)\s+{_COUNT}\s+premiers\s+mois(?:\s+de\s+(?:l'annee\s+)?(?:{_year()}|l'annee(?:\s+(?:en\s+cours|courante))?))?"),
    ("first", rf"(?:(?:in|during|over|for)\s+)?the\s+first\s+{_COUNT}\s+months(?:\s+of\s+(?:{_year()}|the\s+year|this\s+year))?"),
    ("first", rf"(?:(?:خلال|في)\s+)?الاشهر\s+{_COUNT}\s+الاولى(?:\s+من\s+(?:(?:سنة|عام)\s+)?(?:{_year()}|السنة(?:\s+الجارية)?))?"),
    ("half", rf"(?:(?:au|du|le|en|in|the|during)\s+)*{_ORD}\s+(?:semestre|half)(?:\s+(?:de\s+|of\s+)?{_year()})?"),
    ("half", rf"(?:(?:خلال|في)\s+)?النصف\s+{_ORD}(?:\s+من\s+(?:(?:سنة|عام)\s+)?{_year()})?"),
    ("half", rf"(?<!\w)h(?P<h>[12])\s*{_year()}"),
    ("quarter", rf"(?:(?:au|du|le|en|in|the|during)\s+)*{_ORD}\s+(?:trimestre|quarter)(?:\s+(?:de\s+|of\s+)?{_year()})?"),
    ("quarter", rf"(?:(?:خلال|في)\s+)?(?:الفصل|الربع)\s+{_ORD}(?:\s+من\s+(?:(?:سنة|عام)\s+)?{_year()})?"),
    ("quarter", rf"(?<!\w)[tq](?P<q>[1-4])[\s-]*{_year()}"),
    ("month", rf"(?:(?:au\s+|le\s+|du\s+|en\s+|in\s+|durant\s+le\s+|pendant\s+le\s+|au\s+cours\s+du\s+|un\s+)?mois\s+d[e']\s*|(?:خلال\s+|في\s+)?شهر\s+|(?:en|in|during|for)\s+)?(?P<lastfirst>last\s+)?{_months('m1')}{_LAST}{_OPT_YEAR}"),
    # runs of years
    ("years", rf"(?:entre|between|ما\s+بين|بين)\s+{_year('y1')}\s+(?:et|and|و)\s*{_year('y2')}"),
    ("years", rf"(?:de|from|du|من)\s+{_year('y1')}\s+(?:a|to|au|الى)\s+{_year('y2')}"),
    ("years", rf"(?:(?:pour\s+)?les\s+annees|the\s+years)\s+{_year('y1')}\s+(?:et|and|a)\s+{_year('y2')}"),
    ("years", rf"(?<!\d){_year('y1')}\s*[-/–]\s*{_year('y2')}"),
    ("since", rf"(?:depuis|since|منذ)\s+(?:(?:l'annee|سنة|عام)\s+)?{_year()}"),
    # bases
    ("same_base", r"par\s+rapport\s+(?:a|au|a\s+la)\s+(?:la\s+)?meme\s+periode\s+(?:de\s+)?(?:l'annee|l'an|l'exercice)\s+(?:precedente?|derniere?|passee?)"),
    ("year_base", rf"par\s+rapport\s+(?:a|au|a\s+la)\s+(?:la\s+)?meme\s+periode\s+(?:de\s+)?(?:l'annee\s+)?{_year()}"),
    ("same_base", r"(?:compared\s+(?:to|with)|from|versus|vs\.?|over|than)\s+(?:the\s+)?same\s+period\s+(?:of\s+|in\s+)?(?:last\s+year|a\s+year\s+(?:earlier|ago)|the\s+previous\s+year|the\s+year\s+before)"),
    ("year_base", rf"(?:compared\s+(?:to|with)|from|versus|vs\.?|over|than)\s+(?:the\s+)?same\s+period\s+(?:of\s+|in\s+){_year()}"),
    ("same_base", r"(?:from|than|compared\s+(?:to|with))\s+a\s+year\s+(?:earlier|ago|before)|year-on-year|year\s+on\s+year|\byoy\b|en\s+glissement\s+annuel|sur\s+un\s+an|على\s+اساس\s+سنوي"),
    ("same_base", r"مقارنة\s+(?:مع\s+|ب)(?:(?:نفس\s+)?(?:الفترة|الشهر|المدة)(?:\s+(?:نفسها|نفسه|ذاتها|ذاته))?)\s+من\s+(?:السنة|العام)\s+(?:الماضية|الماضي|الفارطة|السابقة|المنصرمة)"),
    ("month_base", r"par\s+rapport\s+au\s+mois\s+precedent|en\s+glissement\s+mensuel|(?:from|compared\s+(?:to|with))\s+the\s+previous\s+month|month-on-month|مقارنة\s+(?:مع\s+|ب)الشهر\s+(?:السابق|الماضي)"),
    ("year_base", rf"(?:par\s+rapport\s+(?:a|au)|compared\s+(?:to|with)|relative\s+to|مقارنة\s+(?:مع\s+|ب)|قياسا\s+ب)\s*(?:(?:l'annee|l'exercice|سنة|عام)\s+)?{_year()}"),
    ("same", r"(?:sur|durant|pendant|au\s+cours\s+de)\s+la\s+meme\s+periode|(?:over|in|during|for)\s+the\s+same\s+period|خلال\s+(?:الفترة\s+نفسها|نفس\s+الفترة)"),
    # years
    ("this", r"cette\s+annee|l'annee\s+en\s+cours|this\s+year|هذه\s+السنة|السنة\s+الجارية|هذا\s+العام"),
    ("previous", r"l'an(?:nee)?\s+(?:derniere?|passee?)|last\s+year|السنة\s+الماضية|العام\s+الماضي"),
    ("year", rf"(?:(?:sur\s+l'ensemble\s+de\s+l'annee|au\s+titre\s+de(?:\s+l'annee|\s+l'exercice)?|pour\s+l'annee|durant\s+l'annee|de\s+l'annee|l'annee|l'exercice|en|in|for|during|of|برسم\s+سنة|برسم|خلال\s+سنة|خلال\s+عام|خلال|سنة|عام|في)\s+)?{_AR_PREFIX}{_year()}"),
]

_FIRST_MONTHS = {"first"}
_HALF = {1: (1, 6), 2: (7, 12)}
_QUARTER = {q: (3 * q - 2, 3 * q) for q in range(1, 5)}


@lru_cache(maxsize=1)
def _compiled() -> list[tuple[str, re.Pattern[str]]]:
    return [(kind, re.compile(r"(?<![\w'])" + pattern if not pattern.startswith("(?<") else pattern)) for kind, pattern in _PATTERNS]


def mentions(text: str, lang: str = "fr") -> list[Mention]:
    """Every time the text names, in text order, none overlapping (the longest wins)."""
    fold, origin = folded(text)
    found: list[tuple[int, int, str, re.Match[str]]] = []
    for kind, pattern in _compiled():
        for match in pattern.finditer(fold):
            if match.end() > match.start():
                found.append((match.start(), match.end(), kind, match))
    found.sort(key=lambda f: (f[0], -(f[1] - f[0])))
    chosen: list[Mention] = []
    taken_until = -1
    for start, end, kind, match in _longest_first(found):
        if start < taken_until:
            continue
        mention = _mention(kind, match, text, origin, lang)
        if mention is not None:
            chosen.append(mention)
            taken_until = end
    return chosen


def _longest_first(found: list[tuple[int, int, str, re.Match[str]]]) -> list[tuple[int, int, str, re.Match[str]]]:
    """Overlapping matches: the longest; at one start, the longest; then text order."""
    kept: list[tuple[int, int, str, re.Match[str]]] = []
    for item in sorted(found, key=lambda f: (-(f[1] - f[0]), f[0])):
        if all(item[1] <= k[0] or k[1] <= item[0] for k in kept):
            kept.append(item)
    return sorted(kept, key=lambda f: f[0])


def _group(match: re.Match[str], name: str) -> str | None:
    return match.groupdict().get(name)


def _mention(kind: str, match: re.Match[str], text: str, origin: list[int], lang: str) -> Mention | None:
    start, end = origin[match.start()], origin[match.end() - 1] + 1
    printed = text[start:end]
    year = int(y) if (y := _group(match, "y")) else None
    relative = "last" if (_group(match, "last") or _group(match, "lastfirst")) else None
    m1 = MONTHS.get(_group(match, "m1") or "", 0)
    if m1 and lang == "en" and not _capitalised_month(match, "m1", text, origin):
        return None  # "may", "march" as words
    base = dict(kind=kind, start=start, end=end, text=printed, year=year, relative=relative)
    if kind == "date":
        return Mention(**base)
    if kind == "range":
        return Mention(**{**base, "kind": "period"}, first=m1, last=MONTHS[match["m2"]])
    if kind == "to":
        return Mention(**{**base, "kind": "period"}, first=1, last=m1)
    if kind == "month":
        return Mention(**{**base, "kind": "period"}, first=m1, last=m1)
    if kind == "first":
        count = match["n"]
        months = int(count) if count.isdigit() else COUNTS[count]
        if not 1 <= months <= 12:
            return None
        return Mention(**{**base, "kind": "period"}, first=1, last=months)
    if kind in ("half", "quarter"):
        index = int(_group(match, "h") or _group(match, "q") or 0) or ORDINALS[match["o"]]
        table = _HALF if kind == "half" else _QUARTER
        if index not in table:
            return None
        first, last = table[index]
        return Mention(**{**base, "kind": "period"}, first=first, last=last)
    if kind == "years":
        first, last = int(match["y1"]), int(match["y2"])
        if last <= first:
            return None
        return Mention(**{**base, "kind": "years", "year": None}, first=first, last=last)
    if kind == "since":
        return Mention(**{**base, "kind": "base"}, base="year")
    if kind == "same_base":
        return Mention(**{**base, "kind": "base"}, base="same")
    if kind == "month_base":
        return Mention(**{**base, "kind": "base"}, base="previous_month")
    if kind == "year_base":
        return Mention(**{**base, "kind": "base"}, base="year")
    if kind == "same":
        return Mention(**base)
    if kind in ("this", "previous"):
        return Mention(**{**base, "kind": "period", "relative": kind})
    if kind == "year":
        return Mention(**{**base, "kind": "period"})
    return None


def _capitalised_month(match: re.Match[str], group: str, text: str, origin: list[int]) -> bool:
    word = match[group]
    if word not in ("may", "march"):
        return True
    return text[origin[match.start(group)]].isupper()


def resolve_year(mention: Mention, published: tuple[int, int] | None, year_in_force: int | None) -> tuple[int | None, Reason | None]:
    """The year of a mention that printed none, and the doubt it carries (None: no doubt).

    ``published`` is (year, month) of publication.  "novembre dernier" is the latest
    November before publication; "cette année" is the publication's year.
    """
    if mention.year is not None or mention.kind != "period":
        return mention.year, None
    if mention.relative in ("this", "previous"):
        shift = 0 if mention.relative == "this" else 1
        if published is not None:
            return published[0] - shift, None
        if year_in_force is not None:
            return year_in_force - shift, Reason(N_("year taken from the year the article names last (%(year)s): no publication date"), year=year_in_force)
        return None, Reason(N_("no publication date to say which year"))
    if mention.relative == "last":
        if published is None:
            if year_in_force is not None:
                return year_in_force, Reason(N_("'%(words)s' read in %(year)s, the year in force: no publication date"), words=mention.text, year=year_in_force)
            return None, Reason(N_("no publication date to say which year"))
        year, month = published
        return (year if mention.last < month else year - 1), None
    if year_in_force is not None:
        return year_in_force, Reason(N_("year %(year)s taken from the text before"), year=year_in_force)
    if published is not None:
        year, month = published
        return (year if mention.last <= month else year - 1), Reason(N_("year from the publication date"))
    return None, Reason(N_("the text names no year for it"))
