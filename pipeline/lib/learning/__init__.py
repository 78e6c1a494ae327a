"""Learning and assurance (issue 13): the registers read back, the report's three sections, briefings and impact.

- registers.py   the reviews register, actions tracker, audits and CDOP counts as last filed, with their labels
- publish.py     numbers as the report prints them, with disclosure control for counts of children
- facts.py       the facts the three narrative sections need (learning from reviews, QPPA assurance, child deaths)
- impact.py      an indicator before and after the action meant to move it
- figures.py     the sections' charts and tables (ReportFigure, as pipeline.lib.report.figures builds them)
- briefings.py   7-minute briefings per review and audit, and the thematic briefing (HTML and Word)
- report.py      rendering the three sections from their templates (the report's wiring calls this)
"""
