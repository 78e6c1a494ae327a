"""Valid Annex A rows for any list, built from the specification: tests change only the cells they are about."""

from __future__ import annotations

import datetime as dt

from pipeline.lib.returns.spec import load_code_lists, load_specs

EVENT = dt.datetime(2022, 10, 5)       # inside 2022-23 Q3
BORN = dt.datetime(2015, 5, 3)

TEMPLATE_NAMES = {  # Ofsted's Annex A template sheet names
    "contacts": "List 1 - Contacts", "early_help": "List 2 - Early Help", "referrals": "List 3 - Referrals",
    "assessments": "List 4 - Assessments", "s47": "List 5 - S47 and ICPC", "cin": "List 6 - Children in Need",
    "child_protection": "List 7 - Child Protection", "children_in_care": "List 8 - Children in Care",
    "care_leavers": "List 9 - Care Leavers", "adoption": "List 10 - Adoption", "adopters": "List 11 - Adopters",
}


def sheet_spec(key: str):
    return next(s for s in load_specs()["annex_a"].sheets if s.key == key)


def columns(key: str) -> list[str]:
    return [c.heading for c in sheet_spec(key).columns]


def _default(column):
    if column.type == "child_id":
        return "SC1"
    if column.type == "code":
        code = load_code_lists()[column.codes].codes[0]
        return code.annex_a or code.code
    if column.type in ("date", "datetime"):
        return BORN if column.name == "date_of_birth" else EVENT
    if column.type in ("integer", "number"):
        return 7 if column.name == "age_years" else 0
    return "Team A" if column.type in ("text", "worker") else None


def row(key: str, **values) -> list[object]:
    """One valid row of the list `key`, every column filled; `values` by column name (or heading) override."""
    out = []
    for c in sheet_spec(key).columns:
        if c.name in values:
            out.append(values[c.name])
        elif c.heading in values:
            out.append(values[c.heading])
        else:
            out.append(_default(c))
    return out


def sheet(key: str, *rows: list[object]) -> list[list[object]]:
    return [columns(key), *rows]
