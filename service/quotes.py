"""A figure and the quote it was read from: the quote is kept exactly as printed.

A quote is stored and compared byte for byte: diacritics, tatweel, direction
marks and all, so a reader finds the very sentence.  Only finding a figure in
its quote sets two things aside, because a desk types the figure on a keyboard
while the paper printed it in its own way:

- digit forms: Arabic-Indic (``٧٥``) and Persian (``۷۵``) digits match Western
  ones (``75``);
- tatweel, the stretching stroke (``مليـــار`` matches ``مليار``).

Nothing else is normalised: a diacritic, a direction mark, a letter's case or a
hamza seat differs as printed.
"""

from __future__ import annotations

from service.arabic import TATWEEL, western_digit

__all__ = ["figure_in_quote", "matching_form"]


def matching_form(text: str) -> str:
    """The text as figures are found in quotes: Western digits, no tatweel, all else as printed.

    >>> matching_form("١٫٣٢ مليـــار")
    '1٫32 مليار'
    """
    return "".join(western_digit(char) or char for char in text if char != TATWEEL)


def figure_in_quote(figure: str, quote: str) -> bool:
    """Whether the figure, as typed, is printed in the quote (up to digit forms and tatweel).

    >>> figure_in_quote("75", "نظمت الوزارة ٧٥ معرضاً")
    True
    >>> figure_in_quote("٧٥ معرضًا", "نظمت الوزارة ٧٥ معرضاً")  # another diacritic: not the same print
    False
    """
    return matching_form(figure) in matching_form(quote)
