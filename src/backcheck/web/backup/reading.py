"""Reading a large JSON document without holding the interpreter for the whole of it.

``json.loads`` is one C call: on a 20 MB export it keeps the GIL for seconds, so the event
loop (which needs the GIL to answer anything, even a static file) stalls although the parse
runs in a worker thread. ``loads_in_steps`` gives the same result, but decodes a top-level
object's members, and the elements of its arrays, one at a time: between two records the
interpreter can switch to the loop. Any document ``json.loads`` reads, it reads the same; any
it refuses, it refuses (``ValueError``, or ``RecursionError`` for absurd nesting).

The cyclic garbage collector is paused meanwhile: building a document of a million objects
otherwise sets off full collections that each walk all of them with the GIL held (measured:
json.loads of 20 MB took 3.5 s with them, 0.9 s without). Parsed JSON holds no cycles, and
the body limit bounds what is built; the collector resumes when the last parse ends.
"""

from __future__ import annotations

import gc
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from json.decoder import WHITESPACE, scanstring  # type: ignore[attr-defined]
from typing import Any

_DECODER = json.JSONDecoder()
_gc_lock = threading.Lock()
_gc_pausers = 0
_gc_was_enabled = True


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while any thread is inside (counted, thread-safe)."""
    global _gc_pausers, _gc_was_enabled
    with _gc_lock:
        if _gc_pausers == 0:
            _gc_was_enabled = gc.isenabled()
        _gc_pausers += 1
        gc.disable()
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pausers -= 1
            if _gc_pausers == 0 and _gc_was_enabled:
                gc.enable()


def loads_in_steps(raw: bytes | str) -> Any:
    """``json.loads(raw)``, decoded record by record, the collector paused (see above)."""
    with collector_paused():
        return _loads(raw)


def _loads(raw: bytes | str) -> Any:
    text = raw.decode(json.detect_encoding(raw), "surrogatepass") if isinstance(raw, bytes) else raw
    if text.startswith("\ufeff"):
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
    at = _skip(text, 0)
    value: Any
    if text[at : at + 1] == "{":
        value, at = _object(text, at)
    elif text[at : at + 1] == "[":
        value, at = _array(text, at)
    else:
        return json.loads(text)  # a bare value: nothing large to split
    if _skip(text, at) != len(text):
        raise json.JSONDecodeError("Extra data", text, _skip(text, at))
    return value


def _skip(text: str, at: int) -> int:
    return int(WHITESPACE.match(text, at).end())


def _member_value(text: str, at: int) -> tuple[Any, int]:
    if text[at : at + 1] == "[":
        return _array(text, at)
    if text[at : at + 1] == "{":
        return _object(text, at)
    value, end = _DECODER.raw_decode(text, at)
    return value, end


def _object(text: str, at: int) -> tuple[dict[str, Any], int]:
    """The object starting at ``text[at] == '{'``: its members decoded one by one."""
    result: dict[str, Any] = {}
    at = _skip(text, at + 1)
    if text[at : at + 1] == "}":
        return result, at + 1
    while True:
        if text[at : at + 1] != '"':
            raise json.JSONDecodeError(
                "Expecting property name enclosed in double quotes", text, at
            )
        key, at = scanstring(text, at + 1, True)
        at = _skip(text, at)
        if text[at : at + 1] != ":":
            raise json.JSONDecodeError("Expecting ':' delimiter", text, at)
        at = _skip(text, at + 1)
        if at >= len(text):
            raise json.JSONDecodeError("Expecting value", text, at)
        result[key], at = _member_value(text, at)
        at = _skip(text, at)
        if text[at : at + 1] == "}":
            return result, at + 1
        if text[at : at + 1] != ",":
            raise json.JSONDecodeError("Expecting ',' delimiter", text, at)
        at = _skip(text, at + 1)


def _array(text: str, at: int) -> tuple[list[Any], int]:
    """The array starting at ``text[at] == '['``: its elements decoded one by one."""
    result: list[Any] = []
    at = _skip(text, at + 1)
    if text[at : at + 1] == "]":
        return result, at + 1
    while True:
        if at >= len(text):
            raise json.JSONDecodeError("Expecting value", text, at)
        value, at = _DECODER.raw_decode(text, at)
        result.append(value)
        at = _skip(text, at)
        if text[at : at + 1] == "]":
            return result, at + 1
        if text[at : at + 1] != ",":
            raise json.JSONDecodeError("Expecting ',' delimiter", text, at)
        at = _skip(text, at + 1)


FREE_STEP = 500


def free_in_steps(document: Any) -> None:
    """Empty a parsed document's top-level lists a few hundred records at a time (call it
    once the document is no longer needed).

    Dropping the last reference to a 20 MB document frees its million objects in one cascade
    with the GIL held; emptied in steps, the event loop gets its turns in between.
    """
    members = document.values() if isinstance(document, dict) else [document]
    for member in members:
        if isinstance(member, list):
            while member:
                del member[-FREE_STEP:]
