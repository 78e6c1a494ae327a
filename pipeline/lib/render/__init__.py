"""Rendering: the jinja2 environment, the plotly house style, the dashboard and the report's prose."""
