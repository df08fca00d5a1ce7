"""A whole article -> candidate claims: every figure found, read, and proposed with its reasons.

The steps, each explained in the candidate it produces:

1. **Figures.** :func:`service.figures.scan_words` classes every word as the figure
   reader would; around each number (or number word, multiplier, "en hausse", "la
   majorité") the run of words the reader knows is tried with
   :func:`service.figures.parse_figure`, longest first, so a figure's span is what
   the reader reads as the figure: "une augmentation de 40 %", "quelque 1,23 milliard
   de dirhams", "١٫٢٣ مليار درهم".  A number that is part of a day, a year, a period,
   a phone number, a page or article number, a code ("COP22", "31-13") or an ordinal
   ("3e", "21st") is never tried.
2. **Sentences and paragraphs**, by offsets (code points): a paragraph is a line; a
   sentence ends at . ! ? ؟ before a space and a capital, a digit or a quote, never
   after an abbreviation ("M.", "p.") nor inside a number.
3. **Measure** from the reading's unit and the words next to the figure (a growth,
   a share, a change in points, an average growth, an average).
4. **Period and base** from :mod:`service.reading.calendar`: the time named right
   after the figure, else before it in the sentence, else the period in force in the
   paragraph (with a doubt), else the headline's, else the publication month.
5. **Subject and breakdown** from :mod:`service.reading.lexicon`.

No language model: everything proposed is a table lookup or a rule, and ``why``
says which words it came from; ``doubts`` says what was carried or assumed.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from functools import lru_cache

import msgspec

from service.claims import IntervalOut
from service.figures import FigureError, ParsedFigure, Word, folded, parse_figure, scan_words
from service.periods import Period, PeriodError
from service.reading import calendar
from service.reading.calendar import Mention
from service.reading.lexicon import Entry, Lexicon, Named
from service.reasons import N_, Reason, StepWords, Term, number

MAX_TEXT = 200_000  # characters an article may have


class Passage(msgspec.Struct, frozen=True):
    """A slice of the text: ``text == article[start:end]`` (code points)."""

    text: str
    start: int
    end: int


class Reading(msgspec.Struct, frozen=True):
    """What ``tally parse`` says of the figure: its interval, unit, qualifier and steps."""

    interval: IntervalOut
    unit: str
    qualifier: str | None
    steps: list[str]


class Candidate(msgspec.Struct, kw_only=True, dict=True):
    """A figure found in the text and the claim Tally proposes for it; each field may be null.

    ``why`` and ``doubts`` are English, as the API has always answered them; each note is also
    kept as the message it was said from (``service.reasons.Reason``), never encoded, so the
    desk's article page says it in its language (:meth:`notes_in`).
    """

    figure: str
    start: int
    end: int
    quote: Passage
    reading: Reading
    measure: str | None = None
    period: str | None = None
    compared_to: str | None = None
    subject: str | None = None
    breakdown: dict[str, str] = {}
    unit: str | None = None
    direction: str | None = None  # "down" when the sentence says a change fell apart from its figure
    why: dict[str, str] = {}
    doubts: dict[str, str] = {}

    def notes_in(self, words: StepWords) -> tuple[dict[str, str], dict[str, str]]:
        """``why`` and ``doubts`` said in ``words``' language (each note as written, when it was given as English alone)."""
        said = self.__dict__.get("said", {})
        return (
            {key: said[key].said(words) if key in said else note for key, note in self.why.items()},
            {key: said["doubts." + key].said(words) if "doubts." + key in said else note for key, note in self.doubts.items()},
        )

    def set_notes_aside(self) -> None:
        """The notes' messages kept aside, their English in ``why`` and ``doubts``: what the API encodes is plain text."""
        said = self.__dict__.setdefault("said", {})
        for prefix, notes in (("", self.why), ("doubts.", self.doubts)):
            for key, note in notes.items():
                if isinstance(note, Reason):
                    said[prefix + key] = note
                    notes[key] = str.__str__(note)


# --- words ----------------------------------------------------------------------------

# The word before or after a percentage that says what it measures, as ``why`` says it.
_CUED = {
    ("growth", "before"): N_("a growth from '%(words)s' before the figure"), ("growth", "after"): N_("a growth from '%(words)s' after the figure"),
    ("share", "before"): N_("a share from '%(words)s' before the figure"), ("share", "after"): N_("a share from '%(words)s' after the figure"),
}  # fmt: skip
_THE_REQUEST = Term(N_("the request"))  # a subject the request gave, where a note names the words it came from

_ANCHORS = ("number", "number_word", "dual", "multiplier", "majority", "direction")
_IN_FIGURE = ("number", "number_word", "dual", "qualifier", "direction", "majority", "scale", "currency", "percent", "points", "multiplier", "context", "paren", "prefix")
_ARTICLES = {"un", "une", "a", "an", "the", "la", "le", "les", "l'"}
_SPACES = " \u00a0\u202f\u2009\t"

# The word before a number that makes it a reference, not a quantity.
_REFERENCE_WORDS = {
    "page", "pages", "p", "p.", "section", "sections", "article", "articles", "art", "art.", "chapitre", "chapter",
    "paragraphe", "alinea", "no", "n", "numero", "number", "tome", "volume", "vol", "loi", "law", "decret", "decree",
    "dahir", "circulaire", "edition", "numéro", "الصفحة", "صفحة", "المادة", "رقم", "العدد", "القانون", "المرسوم",
    "tel", "tél", "telephone", "téléphone", "phone", "fax", "appeler", "call", "الهاتف",
}  # fmt: skip
_TIME_WORDS = {"h", "heures", "heure", "hours", "hour", "am", "pm", "gmt", "utc", "minutes", "min", "ساعة", "الساعة"}
# Words after a bare four-digit number 1900-2100 that make it a quantity ("2000 visiteurs"), not a year.
_FUNCTION_WORDS = {
    "et", "ou", "avec", "a", "à", "au", "aux", "de", "des", "du", "en", "dans", "par", "pour", "sur", "qui", "que", "le", "la", "les",
    "will", "was", "is", "has", "had", "and", "or", "with", "to", "in", "on", "for", "of", "the", "by", "at", "as", "where", "which",
    "contre", "soit", "est", "a-t-il", "sera", "ont", "avait",
    "و", "في", "من", "إلى", "الى", "على", "مع", "مقابل",
}  # fmt: skip
_NUMBER_WORD_ONLY_BEFORE_NOUN = True  # "trois conventions": a number word is a figure only when it counts something


@lru_cache(maxsize=4096)
def _parse(text: str, lang: str) -> ParsedFigure | None:
    try:
        return parse_figure(text, lang)
    except FigureError:
        return None


@dataclass
class _Found:
    start: int
    end: int
    parsed: ParsedFigure
    first: int  # index of its first word
    last: int  # index of its last word
    kinds: tuple[str, ...] = ()  # the kinds of its words


def _letters(word: str) -> bool:
    return any(c.isalpha() for c in word)


def _excluded(text: str, words: list[Word], i: int, in_times: list[tuple[int, int]]) -> bool:
    """A number that is a day, a year, a reference, a phone number, a code or an ordinal."""
    word = words[i]
    printed = text[word.start : word.end]
    if any(s <= word.start < e for s, e in in_times):
        return True
    before = words[i - 1] if i > 0 else None
    after = words[i + 1] if i + 1 < len(words) else None
    if word.kind == "number":
        digits = printed.lstrip("+-−")
        # glued to letters or to another number: "COP22", "3e", "21st", "31-13", "10h"
        if before and before.end == word.start and before.kind in ("word", "number") and text[before.start:before.end][-1:] not in "«\"“(":
            return True
        if after and after.start == word.end and after.kind in ("word", "number"):
            return True
        if after and after.start == word.end and after.kind == "mark" and text[after.start] in "/:" and after.end < len(text) and text[after.end : after.end + 1].isdigit():
            return True
        if len(digits) > 1 and digits[0] == "0" and digits[1:2].isdigit():
            return True  # a leading zero: a phone number or a code
        if printed.startswith("+") and _numbers_follow(text, words, i, 1):
            return True
        if after is not None and after.kind in ("percent", "currency", "scale", "points"):
            return False  # a number with its unit is a figure, whatever word or number comes before it
        if _numbers_follow(text, words, i, 2) or _numbers_precede(text, words, i, 2):
            return True  # "05 37 21 63 00"
        if before and before.kind in ("word", "mark", "context", "scale") and _fold_word(text[before.start:before.end]).rstrip(".°º:") in _REFERENCE_WORDS:
            return True
        if before and text[before.start:before.end] in ("n°", "nº", "N°", "§", "#"):
            return True
        if after and _fold_word(text[after.start:after.end]) in _TIME_WORDS:
            return True
        if _is_year(text, words, i, digits):
            return True
    return False


def _phone_digits(text: str, word: Word) -> bool:
    """A group of a phone number: digits only, at most four."""
    printed = text[word.start : word.end].lstrip("+")
    return word.kind == "number" and printed.replace(" ", "").isdigit() and len(printed) <= 8 and len(printed.replace(" ", "")) <= 6


def _numbers_follow(text: str, words: list[Word], i: int, count: int) -> bool:
    run = words[i : i + 1 + count]
    return len(run) == count + 1 and all(_phone_digits(text, w) for w in run) and _only_spaces(text, words[i].end, run[-1].start, run[1:])


def _numbers_precede(text: str, words: list[Word], i: int, count: int) -> bool:
    run = words[max(0, i - count) : i + 1]
    return len(run) == count + 1 and all(_phone_digits(text, w) for w in run) and _only_spaces(text, run[0].end, words[i].start, run[:-1])


def _only_spaces(text: str, start: int, end: int, run: list[Word]) -> bool:
    inside = "".join(text[a.end : b.start] for a, b in zip(run, run[1:]))
    return all(c in _SPACES + "-." for c in text[start : run[0].start] + inside) if run else False


def _is_year(text: str, words: list[Word], i: int, digits: str) -> bool:
    if not (len(digits) == 4 and digits.isdigit() and 1900 <= int(digits) <= 2100):
        return False
    after = words[i + 1] if i + 1 < len(words) else None
    if after and after.kind in ("percent", "currency", "scale", "points"):
        return False
    if after is None or after.kind in ("mark", "number", "paren") or _fold_word(text[after.start:after.end]) in _FUNCTION_WORDS:
        return True
    return after.kind != "word"


def _fold_word(word: str) -> str:
    return word.lower().replace("’", "'")


def find_figures(text: str, lang: str, times: list[Mention] | None = None) -> list[_Found]:
    """Every figure of running text, in text order, none overlapping."""
    words = scan_words(text)
    times = calendar.mentions(text, lang) if times is None else times
    in_times = [(m.start, m.end) for m in times]
    found: list[_Found] = []
    taken = 0  # index of the first word a new figure may use
    for i, word in enumerate(words):
        if i < taken or word.kind not in _ANCHORS:
            continue
        if _excluded(text, words, i, in_times):
            continue
        if word.kind in ("direction", "multiplier", "majority") and _number_near(words, i):
            continue  # the number's own figure will take this word
        figure = _longest_reading(text, words, i, taken, lang, in_times)
        if figure is None or not _stands_alone(text, words, figure):
            continue
        found.append(figure)
        taken = figure.last + 1
    return found


def _number_near(words: list[Word], i: int) -> bool:
    """A direction or multiplier word whose figure has a number (in its run of known words, or just after)."""
    for j in range(i + 1, min(len(words), i + 5)):
        kind = words[j].kind
        if kind in ("number", "number_word", "dual"):
            return True
        if kind not in _IN_FIGURE and not (kind == "word" and j == i + 1):
            return False
    return False


def _longest_reading(text: str, words: list[Word], i: int, taken: int, lang: str, in_times: list[tuple[int, int]]) -> _Found | None:
    lo = i
    while lo - 1 >= taken and i - lo < 6 and words[lo - 1].kind in _IN_FIGURE and words[lo - 1].kind not in ("number", "number_word", "dual") and not _in(words[lo - 1], in_times):
        lo -= 1
    hi = i
    while hi + 1 < len(words) and hi - i < 6 and words[hi + 1].kind in _IN_FIGURE and words[hi + 1].kind not in ("number", "number_word", "dual") and not _in(words[hi + 1], in_times):
        if _opens_next_figure(words, hi + 1):
            break  # "up 16 % une hausse de 13 %": "une hausse de" is the next figure's
        hi += 1
    if words[i].kind in ("multiplier",) and hi + 1 < len(words) and words[hi + 1].kind in ("number", "number_word"):
        hi += 1  # "multiplié par trois"
    spans = sorted(((a, b) for a in range(lo, i + 1) for b in range(i, hi + 1)), key=lambda ab: words[ab[0]].start - words[ab[1]].end)
    for a, b in spans:
        a, b = _trimmed(text, words, a, b, i)
        if a > b:
            continue
        parsed = _parse(text[words[a].start : words[b].end], lang)
        if parsed is not None:
            return _Found(words[a].start, words[b].end, parsed, a, b, tuple(w.kind for w in words[a : b + 1]))
    return None


def _opens_next_figure(words: list[Word], j: int) -> bool:
    """A word that leads into a number further on (a qualifier, a direction, an article before them)."""
    if words[j].kind not in ("qualifier", "direction", "multiplier", "context", "prefix"):
        return False
    for k in range(j + 1, min(len(words), j + 4)):
        if words[k].kind in ("number", "number_word", "dual"):
            return True
        if words[k].kind not in ("qualifier", "direction", "context", "prefix"):
            return False
    return False


def _in(word: Word, in_times: list[tuple[int, int]]) -> bool:
    return any(s <= word.start < e for s, e in in_times)


def _trimmed(text: str, words: list[Word], a: int, b: int, anchor: int) -> tuple[int, int]:
    """Drop words that carry no value from the span's ends ("de", "soit", "en glissement annuel"), keeping an article before a direction."""
    while a < anchor and (words[a].kind in ("context", "prefix") and not (_fold_word(text[words[a].start:words[a].end]) in _ARTICLES and words[a + 1].kind in ("direction", "qualifier", "multiplier", "majority"))):
        a += 1
    while b > anchor and words[b].kind in ("context",):
        b -= 1
    return a, b


def _stands_alone(text: str, words: list[Word], figure: _Found) -> bool:
    """A number word or a bare direction is a figure only where it reads as one.

    "trois conventions" counts (a noun follows); "les trois" or "l'un des deux" do not.
    A direction alone is a figure in the form "en hausse"/"en baisse" (or في ارتفاع), not "hausse" inside a sentence
    about something else ("la hausse des prix" names no figure).
    """
    kinds = {words[j].kind for j in range(figure.first, figure.last + 1)}
    printed = text[figure.start : figure.end]
    if kinds & {"number", "dual", "percent", "points", "currency", "scale", "multiplier"}:
        return True
    if "number_word" in kinds:
        after = words[figure.last + 1] if figure.last + 1 < len(words) else None
        return after is not None and after.kind == "word" and text[after.start].islower() or (after is not None and after.kind == "word" and text[after.start].isalpha() and not text[after.start].isupper())
    if "majority" in kinds:
        return True
    if "direction" in kinds:
        return _fold_word(printed).startswith(("en ", "في ")) 
    return False


# --- sentences and paragraphs ----------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?؟…])[\"»”’)]*\s+(?=[\"«“(]?[A-ZÀ-ÖØ-Þ0-9\u0600-\u06ff])")
_ABBREVIATION = re.compile(r"(?:^|[\s(])(?:M|Mme|MM|p|pp|art|n|No|vol|St|Dr|approx|vs|etc|U\.S|[A-Z])\.$")


def paragraphs(text: str) -> list[tuple[int, int]]:
    """Lines with text, as (start, end)."""
    return [(m.start(), m.end()) for m in re.finditer(r"[^\n]*\S[^\n]*", text)]


def sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The sentences of text[start:end] (a paragraph), trimmed of spaces, as (start, end)."""
    cuts = [start]
    for match in _SENTENCE_END.finditer(text, start, end):
        if _ABBREVIATION.search(text, max(start, match.start() - 8), match.start()):
            continue
        cuts.append(match.end())
    cuts.append(end)
    spans = []
    for a, b in zip(cuts, cuts[1:]):
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            spans.append((a, b))
    return spans


# --- measure -----------------------------------------------------------------------------

_GROWTH = (
    "hausse", "progress", "augment", "croissance", "croit", "bondi", "bond", "accru", "accroiss", "recul", "baiss", "diminu",
    "repli", "chute", "creuse", "cru$", "crû$", "flechi", "allege", "amelior", "deteriore", "grimpe", "evolu", "variation", "glissement", "inflation", "renchéri", "envol", "contract", "flamb",
    "up", "rose", "rise", "rising", "grew", "grow", "growth", "increase", "jump", "climb", "fell", "fall", "declin", "drop",
    "decreas", "edged", "widen", "narrow", "gain", "slow", "accelerat", "surge", "soar", "plunge", "slump",
    "ارتفاع", "ارتفع", "زياد", "نمو", "تراجع", "انخفاض", "انخفض", "تفاقم", "تحسن", "التضخم", "تطور", "بارتفاع", "بزيادة", "بانخفاض", "بتراجع", "ارتفاعا",
    "زادت", "زاد", "قفزت", "قفز", "صعدت", "هبطت", "هبط", "هبوط", "تقلص", "انكماش",
)  # fmt: skip
# Which way a change went, when the words saying it stand apart from its figure: Arabic puts the
# verb first ("تراجعت صادرات الفوسفاط بنسبة 3 في المائة"), French and English put words between
# ("les importations reculent ainsi de 3 %", "a 3 % drop").  Only the clear ones: "creuse" or
# "détérioré" say worse, not which sign.
_DOWN = (
    "recul", "baiss", "diminu", "repli", "chute", "flechi", "contract", "regress", "fell", "fall", "declin", "drop",
    "decreas", "plunge", "slump", "shrank", "shrunk", "slip", "lower",
    "تراجع", "انخفاض", "انخفض", "بانخفاض", "بتراجع", "هبطت", "هبط", "هبوط", "تقلص", "انكماش",
)  # fmt: skip
_UP = (
    "hausse", "progress", "augment", "croissance", "croit", "bondi", "bond", "accru", "accroiss", "grimpe", "envol", "flamb",
    "amelior", "up", "rose", "rise", "rising", "grew", "grow", "growth", "increase", "jump", "climb", "gain", "surge", "soar",
    "ارتفاع", "ارتفع", "زياد", "زادت", "زاد", "نمو", "تحسن", "بارتفاع", "بزيادة", "قفزت", "قفز", "صعدت",
)  # fmt: skip
_DIRECTED = ("growth", "share_change", "average_growth")
_SIGN = re.compile(r"\s*[+\-\u2212]")
_SHARE = (
    "part", "share", "represent", "capte", "captent", "accounted", "account", "concentre", "detient", "pese", "pèse",
    "taux", "rate", "ratio", "proportion", "majorit", "حصة", "تمثل", "يمثل", "نسبة التغطية", "معدل التغطية", "بحصة",
)  # fmt: skip
_AVERAGE_GROWTH = ("tcam", "taux de croissance annuel moyen", "croissance annuelle moyenne", "average annual", "cagr", "compound annual", "معدل نمو سنوي متوسط", "متوسط سنوي")
_AVERAGE = ("en moyenne", "on average", "average", "moyenne", "في المتوسط", "بمعدل", "par region", "par région", "per region")


def _words_before(text: str, start: int, limit: int, floor: int) -> str:
    chunk = text[max(floor, start - 80) : start]
    return " ".join(chunk.split()[-limit:])


def _words_after(text: str, end: int, limit: int, ceiling: int) -> str:
    chunk = text[end : min(ceiling, end + 60)]
    return " ".join(chunk.split()[:limit])


def _cue(words: str, cues: tuple[str, ...], last: bool) -> tuple[int, str] | None:
    """The cue nearest the figure in ``words`` (from their end if ``last``): (distance in words, cue)."""
    tokens = [t.strip(",.;:()«»\"“”") for t in _fold(words).split()]
    order = range(len(tokens) - 1, -1, -1) if last else range(len(tokens))
    phrases, stems = _folded_cues(cues)
    for distance, index in enumerate(order):
        token = tokens[index]
        for cue, printed in phrases:
            if " ".join(tokens[index : index + cue.count(" ") + 1]) == cue:
                return distance, printed
        for cue, printed in stems:
            if cue.endswith("$"):
                if token == cue[:-1]:
                    return distance, printed[:-1]
            elif token.startswith(cue) or (not cue.isascii() and len(cue) > 3 and cue in token):
                return distance, printed
    return None


@lru_cache(maxsize=16)
def _folded_cues(cues: tuple[str, ...]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    folded_cues = [(_fold(cue), cue) for cue in cues]
    return [c for c in folded_cues if " " in c[0]], [c for c in folded_cues if " " not in c[0]]


def _fold(text: str) -> str:
    return folded(text)[0]


# --- the reader --------------------------------------------------------------------------


@dataclass
class _Context:
    text: str
    lang: str
    published: tuple[int, int] | None
    request_subject: str | None
    lexicon: Lexicon
    times: list[Mention]
    subjects: list[Named]
    members: list[Named]
    headline_period: tuple[Period, str] | None = None
    article_year: int | None = None
    in_force_period: tuple[Period, str] | None = None
    in_force_subject: tuple[str, str] | None = None
    article_subject: tuple[str, str] | None = None
    previous: Candidate | None = None
    resolved: dict[int, tuple[Period | None, str | None]] = field(default_factory=dict)


def read_article(text: str, lang: str, published: datetime.date | None = None, subject: str | None = None, lexicon: Lexicon | None = None) -> list[Candidate]:
    """Every figure of the text as a candidate claim, in text order; nothing is stored."""
    lexicon = lexicon or Lexicon()
    times = calendar.mentions(text, lang)
    context = _Context(
        text=text, lang=lang, published=(published.year, published.month) if published else None, request_subject=subject,
        lexicon=lexicon, times=times, subjects=lexicon.find(text), members=lexicon.find(text, members=True),
    )
    context.article_year = _article_year(context)
    context.headline_period = _headline_period(context)
    figures = find_figures(text, lang, times)
    candidates: list[Candidate] = []
    for p_start, p_end in paragraphs(text):
        context.in_force_period = None
        context.in_force_subject = None
        for s_start, s_end in sentences(text, p_start, p_end):
            in_sentence = [f for f in figures if s_start <= f.start and f.end <= s_end]
            if in_sentence and text[p_start:p_end].strip().isdigit():
                continue  # a line holding a number alone: a counter or a page number of the site, not a figure
            context.previous = None
            if not in_sentence:
                _frame(context, s_start, s_end)
            made = []
            for index, figure in enumerate(in_sentence):
                candidate = _candidate(context, figure, (s_start, s_end), in_sentence, index)
                made.append(candidate)
                context.previous = candidate
            _from_to(context, made)
            candidates += made
    for candidate in candidates:
        candidate.set_notes_aside()
    return candidates


def _frame(context: _Context, start: int, end: int) -> None:
    """A sentence with no figure may still set the period in force: "la Charte pour la période 2025-2027"."""
    for mention in _times_in(context, start, end, ("period", "years")):
        period = Period(mention.first * 12, mention.last * 12 + 11) if mention.kind == "years" else _period_of(context, mention)[0]
        if period is not None:
            context.in_force_period = (period, mention.text)
            return


def _from_to(context: _Context, made: list[Candidate]) -> None:
    """"sa part passe de 13 % à 20 %", "from 2 million dirhams to 1 million": the first figure is the earlier state."""
    for first, second in zip(made, made[1:]):
        between = _fold(context.text[first.end : second.start]).split()
        opening = _fold(context.text[max(first.quote.start, first.start - 12) : first.start]).split()[-1:]
        if between not in (["a"], ["to"], ["الى"]) or opening not in (["de"], ["from"], ["من"]):
            continue
        if first.measure != second.measure or second.period is None or "period" in first.why and "doubts" and first.why.get("period") != second.why.get("period"):
            continue
        later = Period.parse(second.period)
        earlier = Period(later.start - 12, later.end - 12) if later.months <= 12 else Period(later.start - 12, later.start - 1)
        first.period = str(earlier)
        first.why["period"] = Reason(N_("the earlier state of '%(words)s': %(period)s"), words=context.text[first.start - len(opening[0]) - 1 if opening else first.start : second.end], period=str(earlier))
        first.doubts["period"] = Reason(N_("read as the year before %(period)s: the text says 'from ... to'"), period=second.period)


def _article_year(context: _Context) -> int | None:
    """The article's present when it has no publication date: the latest single year it names."""
    years = [m.year for m in context.times if m.kind == "period" and m.year is not None and m.first == 1 and m.last == 12]
    return max(years) if years else None


def _headline_period(context: _Context) -> tuple[Period, str] | None:
    """A first line with no final full stop is a headline: the period it names frames the article."""
    spans = paragraphs(context.text)
    if not spans:
        return None
    start, end = spans[0]
    line = context.text[start:end].rstrip()
    if line.endswith((".", "!", "?", "؟")) or len(line) > 200:
        return None
    for mention in context.times:
        if start <= mention.start < end and mention.kind == "period":
            period, _ = _period_of(context, mention)
            if period is not None:
                return period, mention.text
    return None


def _candidate(context: _Context, figure: _Found, sentence: tuple[int, int], in_sentence: list[_Found], index: int) -> Candidate:
    text = context.text
    parsed = figure.parsed
    quote = Passage(text[sentence[0] : sentence[1]], sentence[0], sentence[1])
    reading = Reading(IntervalOut.of(parsed.interval, parsed.unit), parsed.unit, parsed.qualifier, list(parsed.explanation))
    candidate = Candidate(figure=text[figure.start : figure.end], start=figure.start, end=figure.end, quote=quote, reading=reading, why={}, doubts={}, breakdown={})
    previous_end = in_sentence[index - 1].end if index else sentence[0]
    next_start = in_sentence[index + 1].start if index + 1 < len(in_sentence) else sentence[1]
    _elided_unit(context, candidate, figure, previous_end)
    _measure(context, candidate, figure, previous_end, next_start, sentence)
    _direction(context, candidate, figure, sentence, next_start)
    _period_and_base(context, candidate, figure, sentence, previous_end, next_start, index)
    _subject(context, candidate, figure, sentence, previous_end, next_start)
    _breakdown(context, candidate, figure, sentence, previous_end, next_start)
    return candidate


def _elided_unit(context: _Context, candidate: Candidate, figure: _Found, previous_end: int) -> None:
    """"de 2 millions de dirhams à 1 million": the second figure's dirhams are understood."""
    previous = context.previous
    if candidate.reading.unit != "count" or previous is None or previous.reading.unit != "MAD":
        return
    between = _fold(context.text[previous.end : figure.start]).split()
    if between and between[-1] in ("a", "to", "الى", "et", "and", "contre", "vs") and len(between) <= 2:
        candidate.unit = "MAD"
        candidate.why["unit"] = Reason(N_("unit understood from '%(figure)s' ('%(words)s' joins them)"), figure=previous.figure, words=context.text[previous.end:figure.start].strip())
        candidate.doubts["unit"] = Reason(N_("the unit is not printed beside this figure"))


def _measure(context: _Context, candidate: Candidate, figure: _Found, previous_end: int, next_start: int, sentence: tuple[int, int]) -> None:
    text, unit = context.text, candidate.reading.unit
    printed = candidate.figure
    before = _words_before(text, figure.start, 6, previous_end)
    after = _words_after(text, figure.end, 3, next_start)
    kinds = _kinds_in(text, figure)
    if unit == "MAD" or candidate.unit == "MAD":
        average = _cue(after, _AVERAGE, last=False)
        candidate.measure = "average" if average else "level"
        candidate.why["measure"] = Reason(N_("average from '%(words)s'"), words=average[1]) if average else Reason(N_("an amount in dirhams ('%(figure)s')"), figure=printed)
        return
    if unit == "count":
        average = _cue(after, _AVERAGE, last=False)
        candidate.measure = "average" if average and average[0] <= 4 else "count"
        candidate.why["measure"] = Reason(N_("average from '%(words)s'"), words=average[1]) if candidate.measure == "average" else Reason(N_("a number of things ('%(figure)s')"), figure=printed)
        return
    if unit == "points":
        candidate.measure = "share_change"
        candidate.why["measure"] = Reason(N_("a change in points ('%(figure)s')"), figure=printed)
        return
    if "multiplier" in kinds or "direction" in kinds:
        candidate.measure = "growth"
        candidate.why["measure"] = Reason(N_("a growth: '%(figure)s'"), figure=printed)
        return
    if "majority" in kinds:
        candidate.measure = "share"
        candidate.why["measure"] = Reason(N_("a share: '%(figure)s'"), figure=printed)
        return
    # a percentage: the nearest word before it, then after it, says which
    average_growth = _cue(_words_before(text, figure.start, 10, previous_end), _AVERAGE_GROWTH, last=True)
    if average_growth:
        candidate.measure = "average_growth"
        candidate.why["measure"] = Reason(N_("an average growth from '%(words)s'"), words=average_growth[1])
        return
    cues = [
        (found[0], order, measure, found[1], side)
        for order, (measure, words, cues_, last, side) in enumerate((
            ("growth", before, _GROWTH, True, "before"), ("share", before, _SHARE, True, "before"),
            ("growth", after, _GROWTH, False, "after"), ("share", after, _SHARE, False, "after"),
        ))
        if (found := _cue(words, cues_, last)) is not None
    ]
    if cues:
        _, _, measure, cue, side = min(cues)  # the word nearest the figure; at equal distance, before it
        candidate.measure = measure
        candidate.why["measure"] = Reason(_CUED[measure, side], words=cue)
        return
    if _fold(after).split()[:1] and _fold(after).split()[0] in ("du", "des", "de", "d'", "of", "من"):
        candidate.measure = "share"
        candidate.why["measure"] = Reason(N_("a share: '%(words)s' a whole"), words=f"{printed} {after.split()[0]}")
        return
    previous = context.previous
    if previous is not None and previous.reading.unit in ("percent", "points") and previous.measure:
        candidate.measure = {"share_change": "share", "average_growth": "growth"}.get(previous.measure, previous.measure)
        candidate.why["measure"] = Reason(N_("as the figure before it in the sentence ('%(figure)s')"), figure=previous.figure)
        candidate.doubts["measure"] = Reason(N_("no word beside this figure says what it measures"))
        return
    whole = _cue(text[sentence[0] : figure.start], _GROWTH, last=True)
    candidate.measure = "growth" if whole else "share"
    candidate.why["measure"] = Reason(N_("a growth from '%(words)s' earlier in the sentence"), words=whole[1]) if whole else Reason(N_("a percentage with no word of change: read as a share"))
    candidate.doubts["measure"] = Reason(N_("no word beside this figure says what it measures"))


def _direction(context: _Context, candidate: Candidate, figure: _Found, sentence: tuple[int, int], next_start: int) -> None:
    """A change whose figure prints no direction takes the one its sentence says, nearest first."""
    if candidate.measure not in _DIRECTED or {"direction", "multiplier", "majority"} & set(figure.kinds) or _SIGN.match(candidate.figure):
        return
    text = context.text
    before = _words_before(text, figure.start, 12, sentence[0])
    after = _words_after(text, figure.end, 3, next_start)
    found = [
        (distance, order, way, cue)
        for order, (way, words, cues, last) in enumerate((
            ("down", before, _DOWN, True), ("up", before, _UP, True), ("down", after, _DOWN, False), ("up", after, _UP, False),
        ))
        if (hit := _cue(words, cues, last)) is not None
        for distance, cue in [hit]
    ]
    if not found:
        return
    distance, _, way, cue = min(found)
    if way == "up":
        return  # a figure without a sign already reads as a rise
    try:
        parsed = parse_figure(candidate.figure, context.lang, unit=candidate.unit, direction="down")
    except FigureError:
        return
    candidate.direction = "down"
    candidate.reading = Reading(IntervalOut.of(parsed.interval, parsed.unit), parsed.unit, parsed.qualifier, list(parsed.explanation))
    candidate.why["direction"] = Reason(N_("down from '%(words)s', printed apart from the figure"), words=cue)
    if distance > 5:
        candidate.doubts["direction"] = Reason(N_("'%(words)s' stands %(count)s words from the figure: check it says how this figure moved"), words=cue, count=number(distance + 1))


def _kinds_in(text: str, figure: _Found) -> set[str]:
    return set(figure.kinds)


# --- period and base ----------------------------------------------------------------------


def _period_of(context: _Context, mention: Mention) -> tuple[Period | None, str | None]:
    key = mention.start
    if key not in context.resolved:
        year_in_force = context.in_force_period[0].end // 12 if context.in_force_period else context.article_year
        year, doubt = calendar.resolve_year(mention, context.published, year_in_force)
        context.resolved[key] = (mention.period(year), doubt)
    return context.resolved[key]


def _times_in(context: _Context, start: int, end: int, kinds: tuple[str, ...]) -> list[Mention]:
    return [m for m in context.times if start <= m.start and m.end <= end and m.kind in kinds]


def _period_and_base(context: _Context, candidate: Candidate, figure: _Found, sentence: tuple[int, int], previous_end: int, next_start: int, index: int) -> None:
    after = _times_in(context, figure.end, next_start, ("period", "years", "same"))
    before = _times_in(context, sentence[0], figure.start, ("period", "years", "same"))
    mention = after[0] if after else (before[-1] if before else None)
    period: Period | None = None
    base: Period | None = None
    if mention is not None and mention.kind == "same" and context.in_force_period:
        period = context.in_force_period[0]
        candidate.why["period"] = Reason(N_("period from '%(words)s': %(frame)s"), words=mention.text, frame=context.in_force_period[1])
    elif mention is not None and mention.kind == "years":
        if candidate.measure in ("growth", "share_change"):
            period, base = Period(mention.last * 12, mention.last * 12 + 11), Period(mention.first * 12, mention.first * 12 + 11)
            candidate.why["compared_to"] = Reason(N_("base from '%(words)s'"), words=mention.text)
        else:
            period = Period(mention.first * 12, mention.last * 12 + 11)
        candidate.why["period"] = Reason(N_("period from '%(words)s'"), words=mention.text)
    elif mention is not None and mention.kind == "period":
        period, doubt = _period_of(context, mention)
        if period is not None:
            candidate.why["period"] = Reason(N_("period from '%(words)s'"), words=mention.text)
            if doubt:
                candidate.doubts["period"] = doubt
    if period is None:
        period = _carried_period(context, candidate)
    elif mention is not None and (context.in_force_period is None or not context.in_force_period[0].contains(period)):
        context.in_force_period = (period, mention.text)  # a narrower period ("un mois de novembre") is a detail, not a new frame
    if period is not None and candidate.measure == "average_growth" and period.months == 12 and mention is not None and mention.kind != "years":
        candidate.doubts["period"] = Reason(N_("an average growth runs over several years: say which"))
    candidate.period = None if period is None else str(period)
    if candidate.measure in ("growth", "share_change") and period is not None:
        base = base or _base(context, candidate, figure, sentence, next_start, period)
        if base is not None and base != _year_earlier(period):
            candidate.compared_to = str(base)
        elif "compared_to" not in candidate.why:
            candidate.why.setdefault("compared_to", Reason(N_("the same months a year earlier (none printed otherwise)")))


def _year_earlier(period: Period) -> Period | None:
    try:
        return period.year_earlier()
    except PeriodError:
        return None


def _carried_period(context: _Context, candidate: Candidate) -> Period | None:
    if context.in_force_period is not None:
        period, words = context.in_force_period
        candidate.why["period"] = Reason(N_("period from '%(words)s'"), words=words)
        candidate.doubts["period"] = Reason(N_("period taken from an earlier sentence of the paragraph"))
        return period
    if context.headline_period is not None:
        period, words = context.headline_period
        candidate.why["period"] = Reason(N_("period from the headline's '%(words)s'"), words=words)
        candidate.doubts["period"] = Reason(N_("period taken from the headline"))
        return period
    if context.published is not None:
        year, month = context.published
        candidate.why["period"] = Reason(N_("the month of publication"))
        candidate.doubts["period"] = Reason(N_("no period named near this figure: the month the article was published"))
        return Period(year * 12 + month - 1, year * 12 + month - 1)
    if context.article_year is not None:
        candidate.why["period"] = Reason(N_("the latest year the article names (%(year)s)"), year=context.article_year)
        candidate.doubts["period"] = Reason(N_("no period named near this figure, and no publication date"))
        return Period(context.article_year * 12, context.article_year * 12 + 11)
    candidate.doubts["period"] = Reason(N_("no period named, and no publication date"))
    return None


def _base(context: _Context, candidate: Candidate, figure: _Found, sentence: tuple[int, int], next_start: int, period: Period) -> Period | None:
    bases = _times_in(context, figure.end, next_start, ("base",)) or [m for m in _times_in(context, sentence[0], figure.start, ("base",)) if m.base in ("same", "previous_month")]
    since = [m for m in _times_in(context, figure.end, next_start, ("base",))]
    if not bases:
        return None
    mention = bases[0]
    candidate.why["compared_to"] = Reason(N_("base from '%(words)s'"), words=mention.text)
    if mention.base == "same":
        return _year_earlier(period)
    if mention.base == "previous_month":
        return Period(period.start - 1, period.start - 1)
    if mention.year is not None:
        year = mention.year
        if period.months == 12 and period.start % 12 == 0:
            return Period(year * 12, year * 12 + 11)
        shift = (period.end // 12 - year) * 12
        return Period(period.start - shift, period.end - shift)
    del since
    return None


# --- subject and breakdown --------------------------------------------------------------------


def _topics_before(context: _Context, position: int) -> list[tuple[int, str]]:
    """Topics and subjects named before a position: (where, key), in text order."""
    named = []
    for name in context.subjects:
        if name.start >= position:
            break
        for entry in name.entries:
            named.append((name.start, entry.key))
    return named


def _subject_of(context: _Context, name: Named) -> Entry | None:
    """What a name means where it stands: a subject whose topic is named before it, the most recently named first."""
    before = _topics_before(context, name.start)
    best: tuple[int, int, Entry] | None = None
    for entry in name.entries:
        if entry.kind != "subject":
            continue
        if not entry.within:
            rank = (-1, 0)
        else:
            where = [at for at, key in before if any(key == w or key.startswith(w + ".") for w in entry.within)]
            if not where:
                continue
            rank = (max(where), len(entry.within[0]))
        if best is None or rank > best[:2]:
            best = (*rank, entry)
    return None if best is None else best[2]


def _subject(context: _Context, candidate: Candidate, figure: _Found, sentence: tuple[int, int], previous_end: int, next_start: int) -> None:
    text = context.text
    chosen: tuple[Entry, Named, str] | None = None
    for name in context.subjects:  # a noun right after the figure: "440.000 artisans", "70 salons"
        if figure.end <= name.start < min(next_start, figure.end + 40):
            gap = text[figure.end : name.start]
            if len(gap.split()) <= 2 and not re.search(r"[,;:.)(]", gap):
                if (entry := _subject_of(context, name)) is not None:
                    chosen = (entry, name, "after")
                    break
    if chosen is None:  # the nearest name before it in the sentence
        for name in reversed([n for n in context.subjects if sentence[0] <= n.start and n.end <= figure.start]):
            if (entry := _subject_of(context, name)) is not None:
                chosen = (entry, name, "before")
                break
    if chosen is not None:
        entry, name, _ = chosen
        candidate.subject = entry.key
        candidate.why["subject"] = Reason(N_("subject from '%(words)s'"), words=name.text)
        context.in_force_subject = (entry.key, name.text)
        context.article_subject = context.article_subject or (entry.key, name.text)
        return
    for carried, doubt in (
        (context.in_force_subject, Reason(N_("subject taken from an earlier sentence of the paragraph"))),
        ((context.request_subject, "the request") if context.request_subject else None, Reason(N_("the article's subject, as the request gave it"))),
        (context.article_subject, Reason(N_("subject taken from earlier in the article"))),
    ):
        if carried is not None:
            candidate.subject = carried[0]
            candidate.why["subject"] = Reason(N_("subject from '%(words)s'"), words=_THE_REQUEST if carried[1] == "the request" else carried[1])
            candidate.doubts["subject"] = doubt
            return
    candidate.doubts["subject"] = Reason(N_("no subject the lexicon knows is named near this figure"))


def _breakdown(context: _Context, candidate: Candidate, figure: _Found, sentence: tuple[int, int], previous_end: int, next_start: int) -> None:
    text = context.text
    members = [n for n in context.members if sentence[0] <= n.start and n.end <= sentence[1]]

    def usable(name: Named) -> list[Entry]:
        return [e for e in name.entries if e.breaks_down(candidate.subject)]

    found: dict[str, tuple[Entry, Named]] = {}
    for name in members:  # right after the figure: "50 autres en construction", "6 salons par région"
        if figure.end <= name.start < next_start and len(text[figure.end : name.start].split()) <= 3 and not re.search(r"[,;:)(]", text[figure.end : name.start]):
            for entry in usable(name):
                found.setdefault(entry.dimension or "", (entry, name))
    for span in ((previous_end, figure.start), (sentence[0], figure.start)):  # before it: in its own stretch, then in the sentence
        for name in reversed([n for n in members if span[0] <= n.start and n.end <= span[1]]):
            for entry in usable(name):
                if entry.dimension == "per":
                    continue  # "par région" qualifies the figure it follows, never one further on
                if (entry.dimension or "") not in found:
                    found[entry.dimension or ""] = (entry, name)
        if found:
            break
    for dimension, (entry, name) in sorted(found.items()):
        candidate.breakdown[dimension] = entry.key
        candidate.why[f"breakdown.{dimension}"] = Reason(N_("%(dimension)s from '%(words)s'"), dimension=dimension, words=name.text)
