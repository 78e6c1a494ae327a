"""Metadata as the analyst reads it in Dagster's UI: numbers rounded one way everywhere.

A float keeps DECIMALS places (83.72999999999999 shows as 83.73, 2.111111111111111 as 2.11); whole numbers and
text are left alone. Asset and check files build their metadata with these helpers:

    dg.MaterializeResult(metadata=rounded({"rows": len(frame), "share": share, "preview": table(frame.head(25))}))
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import dagster as dg
import pandas as pd

DECIMALS = 2


def number(value):
    """A float rounded to DECIMALS places (NaN becomes None); anything else as it is."""
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, DECIMALS)
    return value


def rounded_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every float column (and every float in an object column) rounded to DECIMALS places."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column]):
            out[column] = out[column].round(DECIMALS)
        elif out[column].dtype == object:
            out[column] = out[column].map(number)
    return out


def table(frame: pd.DataFrame, empty: str = "none") -> dg.MetadataValue:
    """A markdown table for the UI with floats rounded; `empty` when the frame has no rows."""
    if frame.empty:
        return dg.MetadataValue.md(empty)
    return dg.MetadataValue.md(rounded_frame(frame).to_markdown(index=False))


def rounded(metadata: Mapping[str, object]) -> dict[str, object]:
    """The metadata with every float rounded, including inside lists and dicts (for MetadataValue.json)."""
    def walk(value):
        if isinstance(value, dg.FloatMetadataValue):
            return dg.MetadataValue.float(number(value.value))
        if isinstance(value, dg.JsonMetadataValue):
            return dg.MetadataValue.json(walk(value.data))
        if isinstance(value, Mapping):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [walk(v) for v in value]
        return number(value)

    return {key: walk(value) for key, value in metadata.items()}
