"""Synthetic demo returns, calibrated to the partnership's 2022-23 annual report (plain Python, no Dagster).

`python -m pipeline.lib.demo.generate --out data/demo/raw` writes eight quarters of agency workbooks. The
figures to hit are data (`targets.yaml`), the look of the data too (`shape.yaml`); sheets, headings and codes
come from config/. No real child-level data: every child, worker and placement is invented.
"""
