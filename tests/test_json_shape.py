"""The shape of a JSON text (service/api/json_shape.py): its depth and its repeated keys, in linear time.

Hypothesis writes JSON values whose objects are lists of pairs, so a key can appear
twice, with strings full of the bytes the scanner watches (quotes, backslashes,
brackets); the scanner must find the depth a tree has and a repeated key iff there is one,
whatever slices it reads the text in.
"""

from __future__ import annotations

import doctest
import json
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.api import json_shape
from service.api.json_shape import nesting_depth, repeated_key

FOUR_MIB = 4 * 1024 * 1024

# Strings heavy in what the scanner must see through: escapes, quotes, brackets, non-ASCII.
tricky_text = st.text(alphabet=st.sampled_from(list('ab"\\[]{}/\n\t é\u202bم🙂')) | st.characters(codec="utf-8"), max_size=12)
keys = st.sampled_from(["a", "b", 'q"', "\\", "[", "}", "é"]) | tricky_text


class Obj(list):
    """An object as its pairs, in order: a key may repeat, which a dict could not hold."""


scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | tricky_text
values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.lists(st.tuples(keys, children), max_size=4).map(Obj),
    max_leaves=30,
)


def encode(value: Any, ascii_only: bool, spaced: bool) -> str:
    comma, colon = (", ", ": ") if spaced else (",", ":")
    if isinstance(value, Obj):
        return "{" + comma.join(encode(k, ascii_only, spaced) + colon + encode(v, ascii_only, spaced) for k, v in value) + "}"
    if isinstance(value, list):
        return "[" + comma.join(encode(item, ascii_only, spaced) for item in value) + "]"
    return json.dumps(value, ensure_ascii=ascii_only)


def depth(value: Any) -> int:
    if isinstance(value, list):  # an Obj is a list too
        children = [v for _, v in value] if isinstance(value, Obj) else value
        return 1 + max(map(depth, children), default=0)
    return 0


def repeats(value: Any) -> bool:
    if isinstance(value, Obj):
        names = [k for k, _ in value]
        return len(set(names)) < len(names) or any(repeats(v) for _, v in value)
    return isinstance(value, list) and any(map(repeats, value))


@settings(max_examples=400, deadline=None)
@given(value=values, ascii_only=st.booleans(), spaced=st.booleans(), slice_bytes=st.integers(1, 9))
def test_the_scanner_finds_the_depth_of_any_json_read_in_any_slices(value: Any, ascii_only: bool, spaced: bool, slice_bytes: int) -> None:
    text = encode(value, ascii_only, spaced).encode()
    assert nesting_depth(text) == depth(value)
    assert nesting_depth(text, slice_bytes=slice_bytes) == depth(value)  # strings and escapes straddling slices


@settings(max_examples=400, deadline=None)
@given(value=values, ascii_only=st.booleans(), spaced=st.booleans())
def test_a_repeated_key_is_found_iff_an_object_has_one(value: Any, ascii_only: bool, spaced: bool) -> None:
    found = repeated_key(encode(value, ascii_only, spaced).encode())
    assert (found is not None) == repeats(value)


@settings(max_examples=200, deadline=None)
@given(text=st.binary(max_size=200), stop_above=st.none() | st.integers(0, 5))
def test_any_bytes_get_an_answer(text: bytes, stop_above: int | None) -> None:
    assert nesting_depth(text, stop_above=stop_above) >= 0
    repeated_key(text)


def test_the_scan_stops_once_too_deep() -> None:
    assert nesting_depth(b"[" * 1_000_000, stop_above=32, slice_bytes=64) <= 64


HOSTILE = {
    # the body that held the event loop 12 s at 64 KB: an unterminated string of escaped quotes
    "unterminated escaped quotes": b'"' + b'\\"' * (FOUR_MIB // 2 - 1),
    "quotes alone": b'"' * FOUR_MIB,
    "backslashes in a string": b'"' + b"\\" * (FOUR_MIB - 1),
    "brackets": b"[]" * (FOUR_MIB // 2),
    "empty strings": b"[" + b'"",' * (FOUR_MIB // 3 - 1) + b'""]',
    "tiny objects": b"[" + b'{"a":1},' * (FOUR_MIB // 8 - 1) + b"{}]",
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_four_mebibytes_of_any_shape_are_read_in_linear_time(name: str) -> None:
    text = HOSTILE[name]
    started = time.perf_counter()
    nesting_depth(text)
    repeated_key(text)
    # Each takes a few hundred milliseconds here; the regular expression this replaced took
    # 12 s on 64 KB of the first shape and grew with the square of the length (hours at 4 MiB).
    # The bound is generous for a loaded machine.
    assert time.perf_counter() - started < 10


def test_the_examples_in_the_docstrings_hold() -> None:
    assert doctest.testmod(json_shape).failed == 0
