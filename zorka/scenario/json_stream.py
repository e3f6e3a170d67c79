"""A JSON text read in pieces: the values of an object or an array decoded one at a time, so a file far
larger than any one of its values is never held whole (`zorka plan`'s 100,000 targets).

The text is decoded as UTF-8 (a leading BOM skipped) MAX_READ_CHARS at a time into a window; each value is
decoded with `json.JSONDecoder.raw_decode` from the window, which is refilled when a value runs past its end.
One value may be at most MAX_VALUE_CHARS long: past that, or at a syntax error, JsonStreamError names the
character where the text went wrong.
"""

import codecs
import json
import re
from typing import Any, BinaryIO

MAX_READ_CHARS = 1 << 20
MAX_VALUE_CHARS = 1 << 20
CUT_CHARS = 16  # longer than any JSON literal or escape
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_NUMBER_TAIL = re.compile(r"[0-9.eE+-]*")


class JsonStreamError(ValueError):
    """The text is not the JSON expected: one line naming the character where it went wrong."""


class JsonStream:
    """A window over the UTF-8 JSON text of `source`, read forward one value or punctuation mark at a time."""

    def __init__(self, source: BinaryIO):
        self._source = source
        self._utf8 = codecs.getincrementaldecoder("utf-8-sig")()
        self._decoder = json.JSONDecoder()
        self._window = ""
        self._pos = 0
        self._consumed = 0  # characters dropped from the window's front
        self._at_end = False

    @property
    def position(self) -> int:
        """The number of characters read past so far (for messages)."""
        return self._consumed + self._pos

    def _read(self) -> bool:
        """Append one piece of the source to the window; False once the source is exhausted."""
        if self._at_end:
            return False
        if self._pos > len(self._window) // 2:
            self._consumed += self._pos
            self._window = self._window[self._pos :]
            self._pos = 0
        data = self._source.read(MAX_READ_CHARS)
        try:
            self._window += self._utf8.decode(data, final=not data)
        except UnicodeDecodeError as failure:
            raise JsonStreamError(f"not UTF-8 text ({failure.reason})") from None
        self._at_end = not data
        return True

    def next_char(self) -> str:
        """The next character after whitespace, not consumed; "" at the end of the text."""
        while True:
            self._pos = _WHITESPACE.match(self._window, self._pos).end()
            if self._pos < len(self._window) or not self._read():
                return self._window[self._pos : self._pos + 1]

    def take(self, allowed: str, what: str) -> str:
        """Consume the next character if it is one of `allowed`; else JsonStreamError: `what` was due."""
        char = self.next_char()
        if not char or char not in allowed:
            found = f"{char!r}" if char else "the end of the text"
            raise JsonStreamError(f"expected {what} at character {self.position}, found {found}")
        self._pos += 1
        return char

    def value(self) -> Any:
        """Decode the next whole JSON value."""
        self.next_char()
        while True:
            try:
                value, end = self._decoder.raw_decode(self._window, self._pos)
            except json.JSONDecodeError as failure:
                if self._at_end or not self._maybe_cut(failure):
                    where = f"at character {self._consumed + failure.pos}"
                    raise JsonStreamError(f"{failure.msg.removesuffix(' at')} {where}") from None
                if self._room_to_grow() and self._read():
                    continue
                too_long = f"is longer than {MAX_VALUE_CHARS:,} characters"
                raise JsonStreamError(f"the value at character {self.position} {too_long}") from None
            except RecursionError:
                too_deep = f"the value at character {self.position} is nested too deeply"
                raise JsonStreamError(too_deep) from None
            cut = _NUMBER_TAIL.match(self._window, end).end() == len(self._window)
            if cut and self._room_to_grow() and self._read():
                continue  # a number cut by the window's end ("0" of "0.5") may go on in the next piece
            self._pos = end
            return value

    def _maybe_cut(self, failure: json.JSONDecodeError) -> bool:
        """Whether a decoding failure may only be the window's end cutting the value short: a string
        not closed yet, or a failure within a literal's or an escape's length of the end ("tr" of "true")."""
        return failure.msg.startswith("Unterminated string") or len(self._window) - failure.pos <= CUT_CHARS

    def _room_to_grow(self) -> bool:
        """Whether the value being decoded may still be longer than what the window holds of it."""
        return len(self._window) - self._pos <= MAX_VALUE_CHARS

    def at_end(self) -> bool:
        """Whether only whitespace is left."""
        return self.next_char() == ""
