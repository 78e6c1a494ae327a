"""Agency text is only ever text: neutralising it for each renderer that could read markup into it.

Course titles, team names, agency names and every other string an agency controls reach plotly, SVG, Word and
Excel. Jinja2's autoescape covers the HTML templates; these cover the rest:

- plotly draws a subset of HTML in every label it renders (<b>, <br>, <a href>, <span style>), after the page
  has loaded, so an escaped string in the template can still become a live link in a chart. `plotly_text`
  turns the markup characters into the entities plotly shows as plain characters.
- XML (docx, xlsx, SVG) cannot hold most control characters; `xml_text` drops them.
(Spreadsheet cells are neutralised where they are written: pipeline.lib.report.workbook.neutralise.)
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# plotly.js (svg_text_utils) converts these entities back to characters *after* it has parsed its tags.
_PLOTLY_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def plotly_text(value: object) -> str:
    """A string plotly draws exactly as written: no tag, link or style in it takes effect."""
    text = xml_text(value)
    return "".join(_PLOTLY_ENTITIES.get(ch, ch) for ch in text)


def xml_text(value: object) -> str:
    """A string XML can hold: control characters (other than tab, newline, CR) removed."""
    return _CONTROL.sub("", "" if value is None else str(value))

