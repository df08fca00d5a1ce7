"""The shape of a JSON text before anyone decodes it: how deep it nests, and whether an object repeats a key.

Both answers take time linear in the text, whatever bytes it holds, and are meant
to run in a worker thread without holding Python's interpreter lock for long: the
depth is counted in slices of :data:`SLICE` bytes, each a handful of C-level byte
operations (a few milliseconds), and the duplicate-key pass calls back into Python
for every object and number, where the event loop's thread gets its turn.

Hand-written because no JSON decoder at hand takes a depth limit: the standard
library's and msgspec's both recurse, and fail only when Python's stack does.
The first version stripped strings with a regular expression that backtracked
(``"(?:[^"\\\\]|\\\\.)*"``): on an unterminated string of escaped quotes it tried
again from every quote, and 64 KB of ``"\\"\\"\\"...`` held the event loop 12 s.
"""

from __future__ import annotations

import json
from array import array
from itertools import accumulate
from typing import Any

SLICE = 1 << 16  # bytes scanned per step: a few milliseconds each

_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # +1 for an opening bracket, -1 (a signed byte) for a closing one


def nesting_depth(text: bytes, stop_above: int | None = None, *, slice_bytes: int = SLICE) -> int:
    """How deep arrays and objects nest, counted on the brackets outside strings.

    Exact for any valid JSON; for other bytes, some number (the decoder will refuse them
    anyway). With ``stop_above``, the scan ends as soon as the depth exceeds it and
    answers the depth reached so far. ``slice_bytes``: tests cut tiny slices, so that
    strings and escapes straddle them.

    >>> nesting_depth(b'{"a": [1, {"b": "]]]"}]}')
    3
    >>> nesting_depth(b'"unterminated \\\\" [[[')
    0
    """
    scanner = _BracketScanner()
    for start in range(0, len(text), slice_bytes):
        scanner.feed(text[start : start + slice_bytes])
        if stop_above is not None and scanner.peak > stop_above:
            break
    return scanner.peak


class _BracketScanner:
    """Brackets outside strings, slice after slice; a string or an escape may straddle two slices.

    Inside a JSON string a backslash escapes the next byte; outside one, valid JSON has
    neither backslashes nor quotes. So, in a slice: remove each escaped backslash, then
    each escaped quote; every quote left opens or closes a string, and every other piece
    of a split on quotes lies outside strings. UTF-8 never puts these ASCII bytes inside
    a multi-byte character, so bytes are scanned, not characters.
    """

    def __init__(self) -> None:
        self.in_string = False
        self.escaping = False  # the previous slice ended on a backslash that escapes this slice's first byte
        self.level = 0
        self.peak = 0

    def feed(self, piece: bytes) -> None:
        if self.escaping:
            piece, self.escaping = piece[1:], False
        piece = piece.replace(b"\\\\", b"")
        if piece.endswith(b"\\"):
            piece, self.escaping = piece[:-1], True
        parts = piece.replace(b'\\"', b"").split(b'"')
        outside = parts[1::2] if self.in_string else parts[0::2]
        self.in_string ^= len(parts) % 2 == 0  # an odd number of quotes in this slice
        steps = b"".join(outside).translate(None, _NOT_BRACKETS).translate(_STEPS)
        if steps:
            levels = list(accumulate(array("b", steps), initial=self.level))
            self.peak, self.level = max(self.peak, max(levels)), levels[-1]


def repeated_key(text: bytes | str) -> str | None:
    """The first key an object of this JSON holds twice, or None (none, or not JSON at all).

    The standard library's decoder is the one that shows every key of an object
    (``object_pairs_hook``); msgspec's, which decodes the body for the handler, keeps the
    last silently. Call it on text whose depth is bounded (:func:`nesting_depth`): the
    decoder recurses. Numbers are not converted (their value does not matter here, and a
    number of a million digits would take the int parser long); the hooks being Python
    functions also lets another thread in while a long array is read.
    """
    try:
        json.loads(text, object_pairs_hook=_keys_once, parse_int=_ignore, parse_float=_ignore, parse_constant=_ignore)
    except _Repeated as found:
        return found.key
    except (ValueError, RecursionError):
        return None  # not JSON: the decoder of the handler says where
    return None


class _Repeated(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _keys_once(pairs: list[tuple[str, Any]]) -> None:
    if len(pairs) > 1 and len({key for key, _ in pairs}) < len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Repeated(key)
            seen.add(key)


def _ignore(number: str) -> None:
    return None
