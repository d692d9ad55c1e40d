"""Tokens of a story, with their place in the original text, split into clauses.

Lifters write without punctuation and with typos, so a clause ends at sentence punctuation,
a line break, or one of the knowledge file's clause-ending words ("but", "now", ...); the
reader never looks across a clause for context.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A word (apostrophes inside it are dropped: "can't" reads as "cant"), a number, or a sign
# that matters to the reader ("7/10", "?", sentence ends, and commas, which end the reach of
# some triggers but not the clause).
_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*|\d+(?:[.,]\d+)?|[/%?!.;:(),]")
_PHRASE_PART = re.compile(r"(\{[a-z_]+\})|" + _TOKEN.pattern)
_SENTENCE_END = frozenset({".", "!", "?", ";", ":", "(", ")"})


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its normalised form and where it sits in the story."""

    norm: str
    start: int
    end: int
    clause: int


def normalise_word(word: str) -> str:
    """The form phrases are matched on: lower case, no apostrophes."""
    return word.lower().replace("'", "").replace("’", "")


def tokenise(text: str) -> list[Token]:
    """Split a story into tokens, numbering clauses at sentence ends and line breaks.

    Sentence punctuation is kept as a token (the "?" of a question hedges what precedes it)
    and also ends the clause; clause-ending words are applied later by the reader.
    """
    tokens: list[Token] = []
    clause = 0
    previous_end = 0
    for match in _TOKEN.finditer(text):
        if "\n" in text[previous_end : match.start()] and tokens:
            clause += 1
        norm = normalise_word(match.group())
        tokens.append(Token(norm, match.start(), match.end(), clause))
        if norm in _SENTENCE_END:
            clause += 1
        previous_end = match.end()
    return tokens


def split_phrase(phrase: str) -> tuple[str, ...]:
    """A knowledge-file phrase as the tokens it must match ("{n}" stays one placeholder)."""
    return tuple(
        normalise_word(m.group()) if m.group(1) is None else m.group()
        for m in _PHRASE_PART.finditer(phrase)
    )
