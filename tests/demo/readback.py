"""Reading the demo returns back the way the pipeline will.

fastexcel (calamine) finds each sheet's header row by its headings (some returns have title rows above it),
codes are decoded with config/codes.yaml, and overlapping returns are de-duplicated on the natural key, the
latest return winning.
"""

from __future__ import annotations

from pathlib import Path

import fastexcel
import pandas as pd

from pipeline.lib.demo.spec import CodeBook, load_return_specs

SPECS = load_return_specs()
CODES = CodeBook()


def workbooks(out: Path, fy: str | None = None) -> list[Path]:
    pattern = f"{fy}/Q*/*.xlsx" if fy else "*/Q*/*.xlsx"
    return sorted(out.glob(pattern))


def sheet_spec(sheet_name: str):
    """(return type, sheet spec) for a sheet name, as the pipeline recognises returns: by their sheets."""
    for rt, spec in SPECS.items():
        for sheet in spec.sheets:
            if sheet_name in sheet.sheet_names:
                return rt, sheet
    raise KeyError(sheet_name)


def header_row(reader, sheet_name: str, headings: list[str]) -> int:
    raw = reader.load_sheet(sheet_name, header_row=None, n_rows=8).to_pandas()
    for i, row in raw.iterrows():
        if [v for v in row.tolist() if isinstance(v, str)] == headings:
            return int(i)
    raise AssertionError(f"no header row in {sheet_name}")


def read_sheet(path: Path, sheet_name: str) -> pd.DataFrame:
    reader = fastexcel.read_excel(path)
    _, spec = sheet_spec(sheet_name)
    return reader.load_sheet(sheet_name, header_row=header_row(reader, sheet_name, spec.headings)).to_pandas()


def load(out: Path, fy: str, key: str, decode: bool = True) -> pd.DataFrame:
    """Every `fy` return of the sheet `key`, column names as in the spec, codes decoded; `quarter` = 1-4."""
    frames = []
    for path in workbooks(out, fy):
        reader = fastexcel.read_excel(path)
        for name in reader.sheet_names:
            _, spec = sheet_spec(name)
            if spec.key != key:
                continue
            df = reader.load_sheet(name, header_row=header_row(reader, name, spec.headings)).to_pandas()
            df.columns = [c.name for c in spec.columns]
            if decode:
                for col in spec.columns:
                    if col.type == "code":
                        df[col.name] = df[col.name].map(lambda v, c=col: CODES.decode(c.codes, v) if pd.notna(v) else None)
            df["quarter"] = int(path.parent.name[1])
            frames.append(df)
    return pd.concat(frames, ignore_index=True)


def latest(df: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """De-duplicate overlapping returns on the natural key: the latest return wins."""
    return df.sort_values("quarter").drop_duplicates(key, keep="last")


def dates(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series)


def dataset_digest(out: Path) -> dict[str, str]:
    """Per workbook (path under `out`), a hash of every cell as fastexcel reads it: the sheet names, each
    column's type and each value. Same digest, same data for the pipeline, whatever wrote the file."""
    import hashlib

    digests = {}
    for path in workbooks(out):
        reader = fastexcel.read_excel(str(path))
        h = hashlib.sha256(repr(reader.sheet_names).encode())
        for name in reader.sheet_names:
            df = reader.load_sheet(name, header_row=None).to_pandas()
            h.update(repr([str(t) for t in df.dtypes]).encode())
            h.update(repr(df.astype(object).where(df.notna(), None).values.tolist()).encode())
        digests[str(path.relative_to(out))] = h.hexdigest()[:16]
    return digests
