"""narrative.html: the narrative as one self-contained, escaped HTML page (provenance in <meta>)."""

from __future__ import annotations

from html import escape

from pipeline.lib.report.figures import INTERNAL_MARK


def from_markdown(sections: dict[str, str], provenance: dict, public: bool) -> str:
    body: list[str] = []
    for markdown in sections.values():
        in_list = False
        for line in markdown.splitlines():
            if line.startswith("- "):
                if not in_list:
                    body.append("<ul>")
                    in_list = True
                body.append(f"<li>{escape(line[2:])}</li>")
                continue
            if in_list:
                body.append("</ul>")
                in_list = False
            if line.startswith("## "):
                body.append(f"<h2>{escape(line[3:])}</h2>")
            elif line.startswith("> "):
                body.append(f'<p class="mark">{escape(line[2:])}</p>')
            elif line.startswith("Note: "):
                body.append(f'<p class="note">{escape(line)}</p>')
            elif line.strip():
                body.append(f"<p>{escape(line)}</p>")
        if in_list:
            body.append("</ul>")
    marking = "Public version: counts of 1 to 5 shown as c" if public else INTERNAL_MARK
    meta = "\n".join(f'<meta name="{escape(k)}" content="{escape(str(provenance[k]))}">'
                     for k in ("period", "generated_at", "pipeline_version", "mode"))
    return f"""<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
{meta}
<title>Data section {escape(provenance['period'])}</title>
<style>body{{font-family:Arial,Helvetica,sans-serif;max-width:52em;margin:2em auto;line-height:1.5;color:#0b0c0c}}
.mark{{font-weight:bold;color:{'#505a5f' if public else '#d4351c'}}}.note{{font-size:.9em;font-style:italic}}footer{{font-size:.85em;color:#505a5f}}</style>
</head>
<body>
<p class="mark">{escape(marking)}</p>
{chr(10).join(body)}
<footer>Period {escape(provenance['period'])}. Generated {escape(provenance['generated_at'])} by pipeline
{escape(provenance['pipeline_version'])}. Source returns and checksums: provenance.json.</footer>
</body>
</html>
"""
