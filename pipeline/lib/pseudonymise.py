"""Privacy on the way in: keyed hashing of child identifiers and coarsening of quasi-identifiers.

The key comes from the environment (SAFEGUARDING_PSEUDONYM_KEY), never from the repository, so the
pseudonyms cannot be reversed by anyone holding only the warehouse. The same key gives the same
pseudonym in every return, which is what links a child across lists and agencies.
"""

from __future__ import annotations

import hashlib
import hmac
import re

import pandas as pd

_OUTWARD = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})?$")


def pseudonymise_ids(ids: pd.Series, key: str) -> pd.Series:
    """HMAC-SHA256 of each identifier, 16 hex characters; None stays None."""
    if not key:
        raise ValueError("A pseudonymisation key is required: set SAFEGUARDING_PSEUDONYM_KEY.")
    secret = key.encode("utf-8")
    uniques = {v: hmac.new(secret, v.encode("utf-8"), hashlib.sha256).hexdigest()[:16]
               for v in ids.dropna().unique()}
    return ids.map(uniques)


def month_of(dates: pd.Series) -> pd.Series:
    """Date of birth reduced to the first day of its month."""
    return pd.to_datetime(dates).dt.to_period("M").dt.to_timestamp()


def postcode_district(postcode: str | None) -> str | None:
    """'B70 9AB' -> 'B70'; None when the text is not a UK postcode or district."""
    if postcode is None:
        return None
    text = re.sub(r"\s+", " ", str(postcode).upper().strip())
    match = _OUTWARD.match(text) or _OUTWARD.match(text.replace(" ", "")[:-3] + " " + text.replace(" ", "")[-3:])
    return match.group(1) if match else None
