"""Arabic figures as Moroccan offices and the Arabic-language press print them: digits, separators and words.

:mod:`service.figures` reads every language's words in any text; this module
holds the Arabic ones, and what an Arabic text adds to reading a number:

- digits: Western (``1,23``), Eastern Arabic-Indic (``١٫٢٣``) and Persian
  (``۱۲۳``); the Arabic decimal separator ``٫`` is always the decimal mark and the
  Arabic thousands separator ``٬`` always groups thousands, in any language;
- the Arabic comma ``،`` (U+060C) written *between two digits* is a decimal mark,
  as part of the Moroccan Arabic press prints it (``108،7`` is 108.7): a list
  separator is followed by a space (``108، 90``), so a comma touching digits on
  both sides is never one;
- a comma or a point reads as the Moroccan press uses them, which is babel's
  ``ar_MA`` (comma decimal mark, point groups thousands), as in Moroccan French;
- letters a reader does not read as part of a word: tatweel (``مليـــار``),
  diacritics (``مِلْيَار``) and the direction marks (LRM, RLM, ALM);
- prefixes written attached to a number or a known word: ``بـ``, ``لـ``, ``و``
  (``بـ13٪``, ``و1,2 مليار``, ``لـ3 مرات``), each read as written.

babel gives the symbols CLDR records (the Arabic numbering system's separators
and percent sign, ar_MA's separators and the dirham's symbol and name); CLDR has
no press vocabulary (qualifiers, directions, scale words with their plural and
dual forms), so those tables are written here by hand.  Words are written as
printed; reading folds hamza seats (``أ``, ``إ``, ``آ`` read as ``ا``), drops
diacritics and tatweel, so ``أكثر من`` also matches ``اكثر من``.

Number words that are also fractions when unvocalised (``خمس`` five or a fifth,
``ست``, ``سبع``, ``تسع``, ``عشر``) are left out on purpose: the reader refuses
them by name rather than guess; their unambiguous forms (``خمسة``) are read.
"""

from __future__ import annotations

import unicodedata

from babel import Locale
from babel.numbers import get_decimal_symbol, get_group_symbol

#: Bidi marks babel puts around symbols (``د.م.\u200f``), and a text may carry anywhere.
DIRECTION_MARKS = "\u200e\u200f\u061c"
TATWEEL = "\u0640"

#: The Moroccan press's comma and point: babel's ar_MA (``,`` decimal, ``.`` groups).
PRESS_LOCALE = "ar_MA"

#: The Arabic numbering system's separators (``٫`` decimal, ``٬`` groups): never ambiguous.
ARABIC_DECIMAL_SEPARATOR = get_decimal_symbol("ar", numbering_system="arab")
ARABIC_GROUP_SEPARATOR = get_group_symbol("ar", numbering_system="arab")
#: The Arabic comma, a list separator in CLDR; between two digits the press's decimal mark.
ARABIC_COMMA = "\u060c"


def _without_marks(symbol: str) -> str:
    return "".join(char for char in symbol if char not in DIRECTION_MARKS).strip()


_MOROCCO = Locale.parse(PRESS_LOCALE)
PERCENT_SIGN = _without_marks(Locale.parse("ar").number_symbols["arab"]["percentSign"])  # ٪
DIRHAM_SYMBOL = _without_marks(_MOROCCO.currency_symbols["MAD"])  # د.م.
DIRHAM_NAME = _MOROCCO.currencies["MAD"]  # درهم مغربي

# Digits by script: Unicode's own digit values (unicodedata) read them; these
# ranges only say which scripts are Arabic, to tell the reader which it saw.
ARABIC_INDIC_DIGITS = "".join(chr(code) for code in range(0x0660, 0x066A))  # ٠..٩
PERSIAN_DIGITS = "".join(chr(code) for code in range(0x06F0, 0x06FA))  # ۰..۹


def western_digit(char: str) -> str | None:
    """``٣`` or ``۳`` -> ``3``; None for any other character."""
    if char in ARABIC_INDIC_DIGITS or char in PERSIAN_DIGITS:
        return str(unicodedata.decimal(char))
    return None


def digit_scripts(printed: str) -> tuple[str, ...]:
    """Which Arabic digits a printed number uses: ``arabic-indic``, ``persian``, both, or () for Western digits only."""
    return tuple(name for digits, name in ((ARABIC_INDIC_DIGITS, "arabic-indic"), (PERSIAN_DIGITS, "persian")) if any(c in digits for c in printed))


def is_skipped(char: str) -> bool:
    """Tatweel, direction marks and combining diacritics: not read, kept in what is stored."""
    return char in DIRECTION_MARKS or char == TATWEEL or unicodedata.category(char) == "Mn"


#: Prefixes written attached to the next word or number, and what they mean.
PREFIXES = {"ب": "by", "ل": "to", "و": "and"}

# --- the press vocabulary (hand-written: CLDR has none of it) -------------------

QUALIFIERS: dict[str, str] = {
    "حوالي": "about", "حوالى": "about", "نحو": "about",
    "قرابة": "nearly", "ما يقارب": "nearly", "ما يناهز": "nearly",
    "أكثر من": "more_than", "أزيد من": "more_than", "ما يفوق": "more_than",
    "ما يزيد عن": "more_than", "ما يزيد على": "more_than",
    "على الأقل": "at_least", "ما لا يقل عن": "at_least",
    "أقل من": "less_than", "ما يقل عن": "less_than",
    "على الأكثر": "at_most", "ما لا يزيد عن": "at_most",
}  # fmt: skip

UPWARD_WORDS = (
    "ارتفاع", "بارتفاع", "ارتفع", "ارتفعت", "ارتفاعا", "زيادة", "بزيادة", "نمو", "بنمو", "نموا", "تحسن", "تحسنا",
    "زاد", "زادت", "نما", "نمت", "قفز", "قفزت", "قفزة", "بقفزة", "صعد", "صعدت", "ارتفعا", "ارتفعتا",
)  # fmt: skip
DOWNWARD_WORDS = (
    "انخفاض", "بانخفاض", "انخفض", "انخفضت", "انخفاضا", "تراجع", "بتراجع", "تراجعت", "تراجعا",
    "هبط", "هبطت", "هبوط", "بهبوط", "هبوطا", "تقلص", "تقلصت", "بتقلص", "انكماش", "بانكماش", "نقص", "بنقص",
)  # fmt: skip
MAJORITY_WORDS = ("الأغلبية", "أغلبية", "معظم")

# Plural after 3..10 (ملايين), accusative singular after 11..99 (مليونا).
SCALES: dict[str, int] = {
    "ألف": 3, "آلاف": 3,
    "مليون": 6, "ملايين": 6, "مليونا": 6,
    "مليار": 9, "مليارات": 9, "مليارا": 9,
}  # fmt: skip
# The dual is a number and a unit in one word: ملياران is two milliards.
DUAL_SCALES: dict[str, int] = {
    "ألفان": 3, "ألفين": 3, "ألفي": 3,
    "مليونان": 6, "مليونين": 6, "مليوني": 6,
    "ملياران": 9, "مليارين": 9, "ملياري": 9,
}  # fmt: skip
DUAL_POINTS = ("نقطتان", "نقطتين")

CURRENCIES: dict[str, str] = {
    "درهم": "MAD", "دراهم": "MAD", "درهما": "MAD", DIRHAM_NAME: "MAD",
    DIRHAM_SYMBOL: "MAD", DIRHAM_SYMBOL.rstrip("."): "MAD",
    # the name with its adjective, as babel's درهم مغربي, in its plural and accusative
    "دراهم مغربية": "MAD", "درهما مغربيا": "MAD",
}  # fmt: skip
#: Other currencies, read only in a parenthesised conversion of a dirham figure ("(1,05 مليار دولار)").
FOREIGN_CURRENCIES = ("دولار", "دولارا", "دولارات", "دولار أمريكي", "دولار أميركي", "أورو", "يورو")
PERCENT_WORDS = (PERCENT_SIGN, "في المائة", "في المئة", "بالمائة", "بالمئة")
POINTS_WORDS = ("نقطة", "نقاط", "نقطة مئوية", "نقاط مئوية")

# A multiplier either takes the printed number (None: "3 مرات") or is the number itself.
MULTIPLIERS: dict[str, int | None] = {
    "تضاعف": 2, "تضاعفت": 2, "ضعف": 2, "الضعف": 2, "ضعفين": 2, "ضعفي": 2, "مرتين": 2, "مرتان": 2,
    "مرات": None, "مرة": None, "أضعاف": None,
}  # fmt: skip
#: Multipliers printed after their number ("ثلاث مرات", "3 أضعاف").
POSTFIX_MULTIPLIERS = ("مرات", "مرة", "أضعاف")

NUMBER_WORDS: dict[str, int] = {
    "واحد": 1, "واحدة": 1, "اثنان": 2, "اثنين": 2, "اثنتان": 2, "اثنتين": 2,
    "ثلاث": 3, "ثلاثة": 3, "أربع": 4, "أربعة": 4, "خمسة": 5, "ستة": 6, "سبعة": 7,
    "ثماني": 8, "ثمانية": 8, "تسعة": 9, "عشرة": 10,
}  # fmt: skip

CONTEXT_WORDS = (
    "من", "إلى", "أي", "بنسبة", "نسبة", "قدرها", "قدره", "ما قيمته", "على أساس سنوي", "في المتوسط",
    "بـ", "بما قدره", "نسبته", "نسبتها",
)  # fmt: skip
