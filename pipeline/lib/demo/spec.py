"""The project's return specifications, code lists and partner measures, read from config/.

Sheets, headings and codes are never retyped in the generator: they come from these files, so a change
to a specification shows up in the demo returns (and in the tests that compare them) without code changes.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from pipeline.lib.paths import CONFIG_DIR
from pipeline.lib.settings import read_yaml

DEMO_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Column:
    name: str
    heading: str
    type: str
    codes: str | None
    required: bool
    local: bool


@dataclass(frozen=True)
class Sheet:
    key: str
    title: str
    sheet_names: tuple[str, ...]
    columns: tuple[Column, ...]
    natural_key: tuple[str, ...]
    list_number: int | None

    @property
    def headings(self) -> list[str]:
        return [c.heading for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


@dataclass(frozen=True)
class ReturnSpec:
    return_type: str
    title: str
    default_agency: str
    sheets: tuple[Sheet, ...]

    def sheet(self, key: str) -> Sheet:
        return next(s for s in self.sheets if s.key == key)


def _column(raw: dict) -> Column:
    return Column(
        name=raw["name"],
        heading=raw["heading"],
        type=raw["type"],
        codes=raw.get("codes"),
        required=bool(raw.get("required", False)),
        local=bool(raw.get("local", False)),
    )


def load_return_specs(config_dir: Path = CONFIG_DIR) -> dict[str, ReturnSpec]:
    """Every `config/returns/*.yaml`, keyed by return type."""
    specs = {}
    for path in sorted((config_dir / "returns").glob("*.yaml")):
        raw = read_yaml(path)
        sheets = tuple(
            Sheet(
                key=s["key"],
                title=s.get("title", s["key"]),
                sheet_names=tuple(s["sheet_names"]),
                columns=tuple(_column(c) for c in s["columns"]),
                natural_key=tuple(s.get("natural_key", ())),
                list_number=s.get("list_number"),
            )
            for s in raw["sheets"]
        )
        specs[raw["return_type"]] = ReturnSpec(raw["return_type"], raw["title"], raw["default_agency"], sheets)
    return specs


def normalise(text: str) -> str:
    """The matching key for a code as sent: case, spacing, punctuation and curly quotes ignored."""
    return re.sub(r"[^0-9a-z]", "", str(text).lower())


class CodeBook:
    """`config/codes.yaml`: the code lists and the forms in which agencies write each code."""

    def __init__(self, config_dir: Path = CONFIG_DIR):
        self.lists: dict[str, list[dict]] = read_yaml(config_dir / "codes.yaml")
        self._index = {name: {str(e["code"]): e for e in entries} for name, entries in self.lists.items()}

    def codes(self, list_name: str) -> list[str]:
        return [str(e["code"]) for e in self.lists[list_name]]

    def entry(self, list_name: str, code: str) -> dict:
        return self._index[list_name][str(code)]

    def group_codes(self, list_name: str, group: str) -> list[str]:
        return [str(e["code"]) for e in self.lists[list_name] if e.get("group") == group]

    def form(self, list_name: str, code: str, style: str) -> str:
        """How a code is written: `annex_a` (Ofsted's lettered form), `code`, `label` or `synonym` (the first
        synonym that is not just the code). Falls back to the label where a code has no such form."""
        entry = self.entry(list_name, code)
        if style == "annex_a" and entry.get("annex_a"):
            return entry["annex_a"]
        if style == "code":
            return str(entry["code"])
        if style == "synonym":
            for synonym in entry.get("synonyms", []):
                if normalise(synonym) != normalise(entry["code"]):
                    return str(synonym)
        return entry["label"]

    @cached_property
    def accepted(self) -> dict[str, dict[str, str]]:
        """Per list: every normalised form (code, label, Annex A form, synonyms) -> code."""
        out: dict[str, dict[str, str]] = {}
        for name, entries in self.lists.items():
            forms: dict[str, str] = {}
            for e in entries:
                for form in [e["code"], e["label"], e.get("annex_a"), *e.get("synonyms", [])]:
                    if form is not None:
                        forms.setdefault(normalise(form), str(e["code"]))
            out[name] = forms
        return out

    def decode(self, list_name: str, value) -> str | None:
        """The code a written value stands for, or None when it is not in the list."""
        return self.accepted[list_name].get(normalise(value))


def load_partner_measures(config_dir: Path = CONFIG_DIR) -> list[dict]:
    with open(config_dir / "partner_measures.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def load_partnership(config_dir: Path = CONFIG_DIR) -> dict:
    return read_yaml(config_dir / "partnership.yaml")


def load_targets() -> dict:
    return read_yaml(DEMO_DIR / "targets.yaml")


def load_shape() -> dict:
    return read_yaml(DEMO_DIR / "shape.yaml")
