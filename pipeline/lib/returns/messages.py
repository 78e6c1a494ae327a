"""What each intake rule means, in words an agency can act on. One place, so wording stays consistent."""

from __future__ import annotations

# rule -> (severity, message template). Templates may use {column}, {value}, {detail}.
# error: the row is quarantined; warning: the row is loaded and flagged; info: nothing lost, noted.
RULES: dict[str, tuple[str, str]] = {
    "missing_required": ("error", "'{column}' is blank but must be filled in. Enter the value, or remove the row if it is not a real record."),
    "unknown_code": ("error", "'{value}' is not an accepted value for '{column}'. Use one of the codes in the template's drop-down{detail}."),
    "invalid_date": ("error", "'{value}' in '{column}' is not a date. Enter it as a date (dd/mm/yyyy), not text such as 'TBC'."),
    "impossible_date": ("error", "'{value}' in '{column}' is not a real calendar date. Check the day and month (dates are read day-first, dd/mm/yyyy)."),
    "future_date": ("error", "'{value}' in '{column}' is in the future. Check the year; dates are read day-first (dd/mm/yyyy)."),
    "not_a_number": ("error", "'{value}' in '{column}' is not a number. Enter a whole number (0 if none)."),
    "not_whole_number": ("error", "'{value}' in '{column}' must be a whole number."),
    "out_of_range": ("error", "{value} in '{column}' is outside the allowed range{detail}. Counts cannot be negative."),
    "excel_error": ("error", "'{column}' shows the Excel error {value}. Replace the formula result with the actual value (copy, paste as values)."),
    "invalid_child_id": ("error", "The child ID in '{column}' is not a valid identifier (letters and digits only). Use the child's case-management ID."),
    "invalid_postcode": ("error", "'{value}' in '{column}' is not a UK postcode. Enter the full postcode, e.g. B70 9LD."),
    "end_before_start": ("error", "'{column}' ({value}) is before {detail}. Check both dates."),
    "duplicate_row": ("error", "This row repeats an earlier row with the same {detail}. Remove the duplicate."),
    "totals_row": ("error", "This looks like a totals row. Remove totals: the pipeline counts the rows itself."),
    "missing_column": ("error", "The sheet has no '{column}' column, which is required. Add the column with this exact heading (see the template)."),
    "outside_period": ("warning", "{detail} is outside the quarter this return was filed for ({value}). The row is loaded and flagged; check it belongs in this return."),
    "extra_column": ("info", "Column '{value}' is not part of the return and was not loaded. Remove it, or ask for it to be added to the specification."),
    "duplicate_column": ("info", "Column '{value}' appears twice; the first one was used. Remove the second copy."),
    "missing_sheet": ("warning", "The workbook has no sheet for {value}. If there was nothing to report, include the sheet with headings only."),
    "empty_sheet": ("info", "Sheet '{value}' has headings but no rows."),
    "no_header": ("error", "Sheet '{value}' has no recognisable header row. Keep the template's headings in one row above the data."),
    "unnamed_column": ("warning", "Column {value} has values{detail} but no heading, so they were not loaded. Give the column its heading from the template (a merged heading cell leaves the second column unnamed), or delete it."),
    "formula_no_value": ("error", "'{column}' holds the formula {value} but no saved result, so its value cannot be read. Open the file in Excel, let it calculate and save it (or paste the column as values), then send it again."),
    "sheet_not_read": ("warning", "Sheet '{value}' was not read. If it holds a list's rows, name the sheet after the list (e.g. 'List 3 - Referrals') with the template's headings."),
    "duplicate_sheet": ("warning", "Sheet '{value}' also looks like {detail}; only the first such sheet was read, so its rows were not loaded. Put all the list's rows on one sheet and delete the copy."),
    # the learning and assurance registers (reviews, actions, audits, child deaths)
    "unknown_code_in_list": ("warning", "{detail} in '{column}' is not an accepted value and was left out; the other values in the cell were kept. Use the values in the template's drop-down or Guidance sheet, separated by ';'."),
    "invalid_reference": ("error", "'{column}' does not hold a published case or audit reference{detail}. Use the reference the partnership publishes for the review or audit, never a child's name, initials beyond that reference, date of birth or case ID. The value is not shown here and was not stored."),
    "identifying_text_masked": ("warning", "'{column}' held what looks like {detail}: it was masked before the row was stored. Take identifying details out of the register at source: it is shared across the partnership."),
    "invalid_quarter": ("error", "'{value}' in '{column}' is not a financial quarter. Enter it as 2022-23 Q1 (Q1 is April to June) or as any date in the quarter."),
    "unknown_indicator": ("warning", "'{value}' in '{column}' is not an indicator code of the catalogue, so no before-and-after figures can be shown for this row. Use a code from config/indicators.yaml (e.g. rereferrals_pct), or leave it blank; the rest of the row was loaded."),
    "more_than_column": ("error", "{value} in '{column}' is more than {detail} on the same row: a part cannot be more than the whole. Check both counts."),
    "blank_when_expected": ("warning", "'{column}' is blank but {detail}. Fill in '{column}'; until then the row is counted as not yet done (an action stays open)."),
    "after_register_date": ("warning", "'{column}' ({value}) is after the end of the quarter this register was filed for ({detail}). A register is filed as it stood at the end of its quarter: check the date, or file the register under the later quarter."),
    # filing and hostile files (pipeline/lib/returns/filing.py, limits.py, intake.py)
    "duplicate_file": ("warning", "'{value}' is byte for byte the same file as '{detail}', which was read; this copy was not read again, so nothing is counted twice. Delete one of them."),
    "changed_while_read": ("error", "{value}: the file changed while it was being read (still being saved or copied into the folder?), so nothing from it was kept. It is read again on the next run; if this repeats, check nothing is writing to it."),
    "wrong_quarter": ("warning", "{detail} The rows were loaded and flagged as outside the quarter."),
    "too_many_rows": ("error", "Sheet '{value}' has {detail} rows a sheet may have, so it was not read (nothing from it was loaded). Split the return by quarter, or ask the analyst to raise the limit in config/intake.yaml."),
    "too_many_sheets": ("error", "the workbook has {value} sheets, more than the {detail} a return may have, so it was not read. Send the return's own sheets only (the template has one per list)."),
    "hidden_sheet": ("warning", "Sheet '{value}' is {detail} in the workbook; it was read like any other sheet. Unhide it so that what you send is what you see, or delete it if it is not part of the return."),
    "macro_enabled": ("info", "'{value}' contains macros (VBA). They were not run and are not kept: only the cells' values were read. Please send a plain .xlsx workbook next time."),
    "external_links": ("warning", "The workbook links to {value} other workbook(s). The links were not followed: formula cells were read as the values Excel last saved, which may be out of date. Paste the cells as values before sending."),
    "legacy_xls": ("info", "The file is an old .xls workbook; it was read, but please send .xlsx (Excel Workbook) next time."),
}


def describe(rule: str, column: str = "", value: object = "", detail: str = "") -> tuple[str, str]:
    severity, template = RULES[rule]
    return severity, template.format(column=column, value=value, detail=detail)
