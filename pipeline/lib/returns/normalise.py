"""Normalising headings, sheet names and coded values so that harmless differences do not matter.

Case, spacing, punctuation, curly quotes and non-breaking spaces differ between agencies' returns;
none of them change meaning, so comparisons ignore them.
"""

from __future__ import annotations

import functools
import re
import unicodedata

_PREFIX = re.compile(r"^\s*[a-z]{1,2}\d?\)\s*", re.IGNORECASE)  # Annex A's "a) ", "p1) ", "zz) "
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


# Zero-width spaces and byte-order marks come in with text pasted from web pages and e-mails; invisible,
# they would make 'SC1' and 'SC\u200b1' two children.
_FOLD = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-",
                       "\u200b": None, "\u200c": None, "\u200d": None, "\u2060": None, "\ufeff": None})


def _ascii_fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", str(text)).replace("\xa0", " ")
    return text.translate(_FOLD)


def norm_heading(text: object) -> str:
    """'Date of Referral ' and 'date of referral' and 'Date-of-referral' all become 'dateofreferral'."""
    text = str(text)
    return _norm_heading_cached(text) if len(text) <= _CACHED_LENGTH else _norm_heading(text)


def _norm_heading(text: str) -> str:
    return _NON_ALNUM.sub("", _ascii_fold(text).lower())


# Recognition scores the same few hundred top-of-sheet cells against every list of every return (~4,000
# calls per workbook): a pure function of the text, so each distinct short text is normalised once per process
# (long notes are not kept: the cache stays under ~3 MB).
_CACHED_LENGTH = 100
_norm_heading_cached = functools.lru_cache(maxsize=16384)(_norm_heading)


def norm_code(text: object) -> str:
    """Coded values compare like headings: '1A' == '1a' == ' 1A '."""
    return norm_heading(text)


def strip_prefix(text: str) -> str:
    """'a) 1A: Individual' -> '1A: Individual'; the letter prefix is noise (it drifts between sources)."""
    return _PREFIX.sub("", _ascii_fold(text)).strip()


def clean_text(text: str) -> str:
    """Collapse runs of white space (incl. non-breaking) in free text."""
    return " ".join(_ascii_fold(text).split())
