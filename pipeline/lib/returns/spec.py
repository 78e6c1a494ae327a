"""Return specifications (config/returns/*.yaml) and code lists (config/codes.yaml) as Python objects."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pipeline.lib.paths import CONFIG_DIR
from pipeline.lib.returns.normalise import norm_code, norm_heading, strip_prefix
from pipeline.lib.settings import read_yaml

COLUMN_TYPES = {"child_id", "code", "date", "datetime", "integer", "number", "text", "postcode", "worker", "measure",
                # learning and assurance registers (config/returns/reviews.yaml, actions, audits, child_deaths):
                "codes",        # several codes of one list in a cell, 'Neglect; Domestic abuse'
                "reference",    # a published case or audit reference ('SD', 'RR-2022-03'), shape checked by `pattern`
                "free_text",    # kept as text, identifying details (postcode, NHS number, e-mail ...) masked first
                "quarter",      # a financial quarter ('2022-23 Q1' or any date in it), stored as its first day
                "indicator"}    # an indicator code of the catalogue (config/indicators.yaml); unknown codes warned


@dataclass(frozen=True)
class Code:
    code: str
    label: str
    annex_a: str | None
    group: str | None


@dataclass
class CodeList:
    """One code list, with every accepted spelling keyed to its code."""

    name: str
    codes: list[Code]
    lookup: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_yaml(cls, name: str, entries: list[dict]) -> CodeList:
        codes = [Code(str(e["code"]), e["label"], e.get("annex_a"), e.get("group")) for e in entries]
        lookup: dict[str, str] = {}
        ambiguous: set[str] = set()
        for entry, code in zip(entries, codes):
            forms = [code.code, code.label, *(str(s) for s in entry.get("synonyms", []))]
            if code.annex_a:
                forms += [code.annex_a, strip_prefix(code.annex_a)]
            for form in forms:
                key = norm_code(form)
                if key in lookup and lookup[key] != code.code:
                    ambiguous.add(key)
                lookup[key] = code.code
        # A label shared by several codes (e.g. "Individual" for 1A-1D) identifies none of them.
        for key in ambiguous:
            lookup.pop(key, None)
        return cls(name, codes, lookup)

    def match(self, raw: str) -> str | None:
        """The code for a raw value, trying the full form, then without its letter prefix, then its code part."""
        for candidate in _code_candidates(raw):
            hit = self.lookup.get(norm_code(candidate))
            if hit is not None:
                return hit
        return None

    def label(self, code: str) -> str:
        return next((c.label for c in self.codes if c.code == code), code)

    def group(self, code: str) -> str | None:
        return next((c.group for c in self.codes if c.code == code), None)

    def annex_a_form(self, code: Code) -> str:
        return code.annex_a or code.label


def _code_candidates(raw: str) -> list[str]:
    text = str(raw).strip()
    bare = strip_prefix(text)
    out = [text, bare]
    for sep in (":", " - ", " – "):
        if sep in bare:
            out.append(bare.split(sep, 1)[0])
    return out


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    heading: str
    type: str
    required: bool
    codes: str | None = None
    aliases: tuple[str, ...] = ()
    local: bool = False
    min: float | None = None
    max: float | None = None
    pattern: str | None = None           # reference: the regular expression a value must match
    example: str | None = None           # reference: an example shown in messages and the template guidance
    future_allowed: bool = False         # date: a date after today is expected (a due date), not an error
    at_most: str | None = None           # number: never more than this other column of the row (JARs <= deaths)
    filled_when: dict | None = None      # {column: status, codes: [complete]}: should be filled when the other is
    needed: bool = False                 # needed whatever the SQL says (see pipeline/lib/returns/needs.py)

    @property
    def stored(self) -> bool:
        """Worker names are read (so a return with them is accepted) but never stored."""
        return self.type != "worker"

    def heading_keys(self) -> set[str]:
        return {norm_heading(h) for h in (self.heading, *self.aliases)}


@dataclass(frozen=True)
class SheetSpec:
    key: str
    title: str
    sheet_names: tuple[str, ...]
    table: str
    natural_key: tuple[str, ...]
    period: dict
    columns: tuple[ColumnSpec, ...]
    list_number: int | None = None
    # True where one child can really have several rows with the same key (two police contacts the
    # same day): repeats in a file are kept, and overlapping files are matched on key + occurrence.
    key_repeats_allowed: bool = False
    # Checks across the fields of a row (dates before birth, ages out of range, events out of order), as data:
    # see `plausibility` in config/returns/annex_a.yaml and validate._plausibility.
    plausibility: tuple[dict, ...] = ()

    @property
    def raw_table(self) -> str:
        """All loaded rows of every version; `table` (stg_) is the current, de-duplicated view."""
        return "raw_" + self.table.removeprefix("stg_")

    def column(self, name: str) -> ColumnSpec:
        return next(c for c in self.columns if c.name == name)

    @property
    def date_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.type in ("date", "datetime")]


@dataclass(frozen=True)
class ReturnSpec:
    return_type: str
    title: str
    default_agency: str
    file_stem: str
    sheets: tuple[SheetSpec, ...]
    source_file: Path


def _column(raw: dict) -> ColumnSpec:
    if raw["type"] not in COLUMN_TYPES:
        raise ValueError(f"Column {raw['name']}: unknown type {raw['type']!r} (expected one of {sorted(COLUMN_TYPES)})")
    return ColumnSpec(
        name=raw["name"],
        heading=str(raw["heading"]),
        type=raw["type"],
        required=bool(raw.get("required", False)),
        codes=raw.get("codes"),
        aliases=tuple(str(a) for a in raw.get("aliases", [])),
        local=bool(raw.get("local", False)),
        min=raw.get("min"),
        max=raw.get("max"),
        pattern=raw.get("pattern"),
        example=raw.get("example"),
        future_allowed=bool(raw.get("future_allowed", False)),
        at_most=raw.get("at_most"),
        filled_when=raw.get("filled_when"),
        needed=bool(raw.get("needed", False)),
    )


PLAUSIBILITY_CHECKS = {"before_birth", "age_range", "order"}


def _plausibility_rule(raw: dict, sheet: dict) -> dict:
    names = {c["name"] for c in sheet["columns"]}
    if raw.get("check") not in PLAUSIBILITY_CHECKS:
        raise ValueError(f"{sheet['key']}: plausibility check {raw.get('check')!r} (expected one of {sorted(PLAUSIBILITY_CHECKS)})")
    if raw.get("severity") not in ("error", "warning"):
        raise ValueError(f"{sheet['key']}: plausibility {raw['check']} needs severity error or warning")
    for key in ("date", "first", "then"):
        if key in raw and raw[key] not in names:
            raise ValueError(f"{sheet['key']}: plausibility {raw['check']} names no column {raw[key]!r}")
    return dict(raw)


def load_return_spec(path: Path) -> ReturnSpec:
    raw = read_yaml(path)
    sheets = tuple(
        SheetSpec(
            key=s["key"],
            title=s["title"],
            sheet_names=tuple(s["sheet_names"]),
            table=s["table"],
            natural_key=tuple(s["natural_key"]),
            period=s["period"],
            columns=tuple(_column(c) for c in s["columns"]),
            list_number=s.get("list_number"),
            key_repeats_allowed=bool(s.get("key_repeats_allowed", False)),
            plausibility=tuple(_plausibility_rule(r, s) for r in s.get("plausibility", [])),
        )
        for s in raw["sheets"]
    )
    return ReturnSpec(raw["return_type"], raw["title"], raw["default_agency"], raw["file_stem"], sheets, path)


@lru_cache(maxsize=4)
def load_specs(config_dir: Path = CONFIG_DIR) -> dict[str, ReturnSpec]:
    specs = {}
    for path in sorted((config_dir / "returns").glob("*.yaml")):
        spec = load_return_spec(path)
        specs[spec.return_type] = spec
    return specs


@lru_cache(maxsize=4)
def load_code_lists(config_dir: Path = CONFIG_DIR) -> dict[str, CodeList]:
    raw = read_yaml(config_dir / "codes.yaml")
    lists = {name: CodeList.from_yaml(name, entries) for name, entries in raw.items()}
    lists["measure"] = measure_code_list(config_dir)
    lists["indicator"] = indicator_code_list(config_dir)
    return lists


def measure_code_list(config_dir: Path = CONFIG_DIR) -> CodeList:
    """Partner measures are a code list read from the catalogue CSV, so adding one needs no code."""
    with (config_dir / "partner_measures.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    entries = [{"code": r["measure_code"], "label": r["title"], "group": r["agency"]} for r in rows]
    return CodeList.from_yaml("measure", entries)


def indicator_code_list(config_dir: Path = CONFIG_DIR) -> CodeList:
    """The catalogue's indicator codes as a code list (an action names the indicator it is meant to move).

    Shown as 'code: title' so the drop-down reads as words; the code part is what is matched and stored.
    """
    from pipeline.lib.indicators import load_catalogue  # here, not at the top: indicators imports this module

    path = config_dir / "indicators.yaml"
    if not path.exists():
        return CodeList.from_yaml("indicator", [])
    entries = [{"code": i.code, "label": i.title, "annex_a": f"{i.code}: {i.title}"}
               for i in load_catalogue(path, config_dir / "partner_measures.csv")]
    return CodeList.from_yaml("indicator", entries)
