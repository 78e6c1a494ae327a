"""Finding identifying details in free text, and masking them before the text is stored.

The learning registers keep agencies' words (a recommendation, an action, a progress update, good practice,
areas for development) because the report and the briefings quote them. Those words sometimes carry what
must never be stored: a child's postcode, NHS number or case ID, a date of birth, an e-mail address or a phone
number, a name after a title ("Mrs Smith"). Each is replaced by a marker saying what was there, e.g.
"[postcode]", and the intake warns naming the cell, so the agency can take it out at source.

Plain dates are kept ("training delivered 12/10/2022" is the point of a progress update); a date is masked
as a date of birth when the text says so (DOB, d.o.b., date of birth, born).
"""

from __future__ import annotations

import re

_DATE = (r"(?:\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}"                              # 14/03/2015
         r"|\d{1,2}(?:st|nd|rd|th)?\s+[A-Za-z]{3,9}\.?,?\s+\d{2,4}"          # 14th March 2015
         r"|[A-Za-z]{3,9}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{2,4}"          # March 14 2015
         r"|\d{4}-\d{2}-\d{2}|\d{6,8})")                                       # 2015-03-14, 140315

# (what it is, pattern), in the order they are applied: an e-mail address holds digits and dots that the
# later patterns would otherwise take for an ID or a date.
PATTERNS: list[tuple[str, re.Pattern]] = [
    ("e-mail address", re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")),
    ("date of birth", re.compile(r"(?i)\b(?:d\.?\s?o\.?\s?b\.?|date\s+of\s+birth|born(?:\s+on)?)\s*[:\-]?\s*" + _DATE)),
    ("postcode", re.compile(r"(?i)\b(?:[A-Z]{1,2}\d[A-Z\d]?|GIR)\s*\d[A-Z]{2}\b")),
    ("phone number", re.compile(r"(?:\+44\s?\(?0?\)?\s?|\b0)\d{2,4}[\s\-]?\d{3,4}[\s\-]?\d{3,4}\b")),
    ("NHS number", re.compile(r"\b\d{3}[\s\-]?\d{3}[\s\-]?\d{4}\b")),
    ("child ID", re.compile(r"(?i)\b(?:child\s*id|upn|uln|nhs\s*(?:no|number)|case\s*(?:no|number|ref))\.?\s*[:#]?\s*[A-Z0-9\-/]{4,}")),
    ("child ID", re.compile(r"\b[A-Z]{1,3}\d{5,}\b|\b\d{7,}\b")),
    ("name", re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+[A-Z][a-z'\-]+(?:\s+[A-Z][a-z'\-]+)?")),
]


def mask_identifying(text: str) -> tuple[str, list[str]]:
    """The text with identifying details replaced by markers, and what was masked (in order, each kind once)."""
    kinds: list[str] = []
    for kind, pattern in PATTERNS:
        text, n = pattern.subn(f"[{kind}]", text)
        if n and kind not in kinds:
            kinds.append(kind)
    return text, kinds
