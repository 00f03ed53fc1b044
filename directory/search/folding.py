"""Text folded for matching: lower case without accents ('Médico' -> 'medico', 'Español' -> 'espanol').

Search words, language names and taxonomy term names are all compared this way.
"""

from __future__ import annotations

import unicodedata

__all__ = ["folded"]


def folded(text: str) -> str:
    """Lower case without accents (NFKD, combining marks dropped); ASCII text skips the decomposition."""
    text = text.casefold()
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
