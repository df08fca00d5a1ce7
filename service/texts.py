"""The characters a text field may hold: identifiers from a small set, words without control characters.

Identifiers (source ids, subjects, breakdown keys) are written by a desk and read back
in URLs, SQL parameters, CSV cells and rule files, so each has a pattern.  Every pattern
ends in ``(?!\\n)$``: Python's ``$``, which msgspec's ``Meta(pattern=...)`` applies with
``re.search``, also matches before a final newline, so ``"s1\\n"`` passed ``^...$``
and was stored as a second, invisible id.  The lookahead means the same in Python and
in the ECMA regex of the OpenAPI document.

Words a person wrote (quotes, titles, reasons) are refused, never normalised, when they
hold a C0 or C1 control character (NUL, ESC, DEL...): a quote is evidence and must be
stored exactly as printed, or not at all, and a claim's id is derived from its quote.
Tab, line feed and carriage return stay allowed in a quote, which may run over lines.
Format characters are text, not controls: the direction marks of right-to-left text
(U+200E, U+200F, U+061C, U+202A to U+202E, U+2066 to U+2069), the tatweel (U+0640) and
Arabic diacritics pass unchanged.

A web address (a source's ``url``) is published as a link, in ClaimReview's
``appearance.url``, so it is an absolute ``http`` or ``https`` address with a host, and
nothing else: a ``javascript:``, ``data:``, ``vbscript:`` or ``file:`` address, or a
relative one, would be a link that runs or reaches what a reader never chose.  The scheme
is matched in any case (``HTTPS://`` is https) from the first character, so no leading
space or control character can hide another scheme in front (browsers drop those, and
the tab and line breaks inside one, before they read the scheme); no character of the
address may be a space or a control.  The host comes right after ``//``, with no user
name or password before it: ``https://example.org@evil.example`` reads as one site and
goes to another.
"""

from __future__ import annotations

import re
from typing import Annotated

import msgspec

END = r"(?!\n)$"  # the end of the text, in Python as in ECMA (see the module docstring)
_CONTROLS = r"\x00-\x1f\x7f-\x9f"
_CONTROLS_BUT_LINES = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # all but tab, line feed, carriage return

SOURCE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*" + END
SUBJECT_PATTERN = r"^[a-z0-9_]+(\.[a-z0-9_]+)*" + END
KEY_PATTERN = r"^[a-z0-9_]+" + END
RELEASED_PATTERN = r"^[0-9]{4}-[0-9]{2}(-[0-9]{2})?" + END  # a release's date: YYYY-MM or YYYY-MM-DD
# Some character that is neither blank nor a control: a title of spaces says nothing.
LINE_PATTERN = rf"^[^{_CONTROLS}]*[^\s{_CONTROLS}][^{_CONTROLS}]*" + END
PASSAGE_PATTERN = rf"^[^{_CONTROLS_BUT_LINES}]*[^\s{_CONTROLS}][^{_CONTROLS_BUT_LINES}]*$"

Line = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=2000,
        pattern=LINE_PATTERN,
        description="One line of words: not blank, no control characters.",
    ),
]
Passage = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=5000,
        pattern=PASSAGE_PATTERN,
        description="Words as printed, lines allowed: not blank, no control characters but tab and line breaks.",
    ),
]

_ADDRESS_CHAR = rf"[^\s{_CONTROLS}]"  # any but spaces and controls: a space is %20 in an address
_HOST = rf"(?:[^\s{_CONTROLS}/?#@\\:\[\]]+|\[[0-9A-Fa-f:.]+\])"  # a name or IPv4 address, or an IPv6 one in brackets
WEB_ADDRESS_PATTERN = rf"^[Hh][Tt][Tt][Pp][Ss]?://{_HOST}(?::[0-9]{{1,5}})?(?:[/?#]{_ADDRESS_CHAR}*)?" + END

WebAddress = Annotated[
    str,
    msgspec.Meta(
        max_length=2000,
        pattern=WEB_ADDRESS_PATTERN,
        description="An absolute http or https address with a host, published as a link: nothing else.",
        examples=["https://www.example.ma/article"],
    ),
]


def is_web_address(text: str) -> bool:
    """Whether ``text`` is an address Tally publishes as a link: what :data:`WebAddress` accepts.

    A store written before addresses were checked may hold another; it is never made a link.

    >>> is_web_address("https://example.org/a?b#c"), is_web_address("javascript:alert(4)"), is_web_address(" https://x.org")
    (True, False, False)
    """
    return len(text) <= 2000 and re.search(WEB_ADDRESS_PATTERN, text) is not None


# What each pattern means, for the reason a 422 gives: msgspec's message quotes the regex.
MEANINGS = {
    SOURCE_ID_PATTERN: "letters, digits, '.', '_' and '-', starting with a letter or digit, and nothing after (no newline)",
    SUBJECT_PATTERN: "dotted keys of a-z, 0-9 and '_' (ma.handicraft.exports), and nothing after (no newline)",
    KEY_PATTERN: "a key of a-z, 0-9 and '_', and nothing after (no newline)",
    RELEASED_PATTERN: "a date YYYY-MM or YYYY-MM-DD, and nothing after (no newline)",
    LINE_PATTERN: "one line of words: not blank, no control character (NUL, ESC, DEL, a line break...)",
    PASSAGE_PATTERN: "words: not blank, no control character (NUL, ESC, DEL...) but tab and line breaks",
    WEB_ADDRESS_PATTERN: "an absolute http or https address with a host and no user name, no space nor control "
    "character (javascript:, data:, file: and relative addresses are not links Tally publishes)",
}


def in_words(message: str) -> str:
    """msgspec's "Expected `str` matching regex '...'" with the regex said in words."""
    for pattern, words in MEANINGS.items():
        message = message.replace(f"matching regex {pattern!r}", f"holding {words}")
    return message
