"""Overlap of the words plotly draws: every chart's SVG text (axis tick labels, axis titles, legend items, titles)
measured in the browser with getBoundingClientRect, and every pair within a chart that intersects."""

from __future__ import annotations

# Boxes are shrunk by this many pixels on each side before they are compared: two labels that only touch (a glyph's
# side bearing, a line's leading) are not overlapping; one letter over another is.
SLACK_PX = 1.0

OVERLAPS_JS = """(slack) => {
  const charts = Array.from(document.querySelectorAll('.js-plotly-plot'));
  const found = [];
  let measured = 0;
  for (const el of charts) {
    const boxes = [];
    for (const t of el.querySelectorAll('svg text')) {
      const text = t.textContent.trim();
      const r = t.getBoundingClientRect();
      if (!text || r.width === 0 || r.height === 0) { continue; }
      const style = window.getComputedStyle(t);
      if (style.visibility === 'hidden' || style.display === 'none' || Number(style.opacity) === 0) { continue; }
      boxes.push({text, l: r.left + slack, r: r.right - slack, t: r.top + slack, b: r.bottom - slack});
    }
    measured += boxes.length;
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i], b = boxes[j];
        if (a.l < b.r && b.l < a.r && a.t < b.b && b.t < a.b) {
          const fig = el.closest('figure');
          found.push({chart: fig ? fig.id : el.id, a: a.text, b: b.text});
        }
      }
    }
  }
  return {charts: charts.length, texts: measured, overlaps: found};
}"""


def overlaps(page) -> dict:
    """{charts, texts, overlaps: [{chart, a, b}]} for every drawn chart on the page."""
    return page.evaluate(OVERLAPS_JS, SLACK_PX)
