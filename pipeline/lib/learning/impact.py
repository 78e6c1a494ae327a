"""Impact, not only activity: an indicator before and after the action that was meant to move it.

An action in the tracker may name, in 'Impact Indicator', the catalogue indicator it targets (a training course
after a recommendation, then the measure it was for). For every such action closed by the year's end this gives
the indicator's value in the last full quarter before the quarter the action closed in ('before'), and in the
latest quarter up to the year's end at least one full quarter after it ('after'), with the change in the
indicator's own terms (better or worse by its polarity). A change after an action is not proof the action caused
it: the report says so. An indicator code no longer in the catalogue, an action not yet closed, or no quarter
since it closed is said, never skipped silently.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from pipeline.lib import sdc, warehouse
from pipeline.lib.indicators import catalogue_by_code
from pipeline.lib.learning import publish
from pipeline.lib.learning.registers import Registers
from pipeline.lib.periods import FinancialYear, Quarter
from pipeline.lib.report import words

COLUMNS = ["Action", "Agency", "Closed", "Indicator", "Before", "After", "Change"]


def _value_text(row: dict, unit: str, decimals: int, protect: bool) -> str:
    if row is None or pd.isna(row.get("value")):
        return words.NOT_AVAILABLE
    if protect and (sdc.is_small(row.get("numerator")) or unit == "percent" and sdc.is_small(row.get("denominator"))):
        return words.WITHHELD
    return words.fmt(float(row["value"]), unit, decimals)


def _change(before: dict, after: dict, unit: str, decimals: int, polarity: str) -> str:
    # The change between the values as printed: 35.4% then 33.5% is "down 1.9", never the unrounded "down 2.0".
    a, b = round(float(before["value"]), decimals), round(float(after["value"]), decimals)
    diff = round(b - a, decimals)
    if diff == 0:
        return "no change"
    size = f"{abs(diff):,.{decimals}f}" + (" percentage points" if unit == "percent" else "")
    direction = "up" if diff > 0 else "down"
    if polarity == "neutral":
        return f"{direction} {size}"
    better = (diff > 0) == (polarity == "higher_is_better")
    return f"{direction} {size} ({'better' if better else 'worse'})"


def impact_rows(con: duckdb.DuckDBPyConnection, year: FinancialYear, registers: Registers | None = None,
                public: bool = True) -> ImpactTable:
    registers = registers or Registers.read(con)
    catalogue = catalogue_by_code()
    actions = registers.actions
    end = year.end
    table = ImpactTable()
    if actions.empty or "impact_indicator" not in actions:
        return table
    named = actions[actions["impact_indicator"].notna()]
    values = pd.DataFrame()
    if warehouse.table_exists(con, "ind_values") and len(named):
        values = con.execute("""
            select indicator_code, quarter_key, period_label, numerator, denominator, value from ind_values
            where period_type = 'quarter' and breakdown = 'total' and value is not null
              and indicator_code in (select unnest(?)) and quarter_key <= ?
        """, [sorted(set(named["impact_indicator"])), year.quarters[-1].partition_key]).df()
    for a in named.sort_values(["source_reference", "recommendation_number", "action_number"]).to_dict("records"):
        code = a["impact_indicator"]
        name = (f"{a['source_reference']} recommendation {int(a['recommendation_number'])}"
                if not pd.isna(a["recommendation_number"]) else f"{a['source_reference']} action {int(a['action_number'])}")
        ind = catalogue.get(code)
        if ind is None:
            table.notes.append(f"{name} names '{code}', which is not in the indicator catalogue.")
            continue
        closed = a["date_closed"]
        if closed is None or closed > end:
            table.not_closed.append(f"{name} ({ind.title})")
            continue
        series = values[values["indicator_code"] == code].sort_values("quarter_key")
        closed_q = Quarter.containing(closed)
        before = series[series["quarter_key"] < closed_q.partition_key]
        after = series[series["quarter_key"] > closed_q.partition_key]
        protect = public and publish.disclosure(code) == publish.CHILDREN
        b = before.iloc[-1].to_dict() if len(before) else None
        f = after.iloc[-1].to_dict() if len(after) else None
        if b is None or f is None:
            table.notes.append(f"{name} closed in {closed_q.label}: no quarter of {publish.lower_first(ind.title)} "
                               f"{'before it' if b is None else 'since'} yet.")
            continue
        b_text = _value_text(b, ind.unit, ind.decimals, protect)
        f_text = _value_text(f, ind.unit, ind.decimals, protect)
        change = (_change(b, f, ind.unit, ind.decimals, ind.polarity)
                  if words.WITHHELD not in (b_text, f_text) else words.WITHHELD)
        table.rows.append({"Action": name, "Agency": registers.label("agency", a["agency"]),
                           "Closed": f"{closed.day} {closed:%b %Y}", "Indicator": ind.title,
                           "Before": f"{b_text} ({b['period_label']})", "After": f"{f_text} ({f['period_label']})",
                           "Change": change, "code": code, "action_text": a["action"],
                           "before_value": b_text, "after_value": f_text, "before_period": b["period_label"],
                           "after_period": f["period_label"]})
    return table


class ImpactTable:
    """Rows of before-and-after, the actions naming an indicator that are not closed yet, and notes."""

    def __init__(self):
        self.rows: list[dict] = []
        self.not_closed: list[str] = []
        self.notes: list[str] = []

    @property
    def available(self) -> bool:
        return bool(self.rows)

    @property
    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=[*COLUMNS, "code", "action_text"])[COLUMNS]

    @property
    def sentences(self) -> list[str]:
        """One line per action: 'SD action 5 (West Midlands Police, closed 12 Oct 2022): referrals from police ...'."""
        return [_sentence(r) for r in self.rows]


def _sentence(r: dict) -> str:
    # A withheld figure is said once, in words, not as "not published (small numbers)" three times over.
    head = f"{r['Action']} ({r['Agency']}, closed {r['Closed']}): {publish.lower_first(r['Indicator'])}"
    withheld = [r["before_value"] == words.WITHHELD, r["after_value"] == words.WITHHELD]
    if all(withheld):
        return f"{head}: too few children before ({r['before_period']}) and since ({r['after_period']}) to publish."
    if any(withheld):
        if withheld[0]:
            return (f"{head} {r['after_value']} ({r['after_period']}) since; too few children before "
                    f"({r['before_period']}) to publish that figure or the change.")
        return (f"{head} {r['before_value']} ({r['before_period']}) before; too few children since "
                f"({r['after_period']}) to publish that figure or the change.")
    return f"{head} {r['Before']} before, {r['After']} since: {r['Change']}."
