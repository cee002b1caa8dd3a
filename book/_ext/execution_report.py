"""Print how long each chapter took to execute, and save it as JSON.

MyST-NB records, for every notebook page, whether it was executed or taken
from the cache and how long execution took. At the end of an HTML build this
extension prints that table and writes ``_build/execution-times.json``.
"""

from __future__ import annotations

import json
from pathlib import Path

from sphinx.application import Sphinx


def report(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None:
        return
    metadata = getattr(app.env, "nb_metadata", {})
    rows = []
    for docname in sorted(metadata):
        data = metadata[docname].get("exec_data")
        if data:
            rows.append(
                {
                    "chapter": docname,
                    "method": data.get("method"),
                    "succeeded": data.get("succeeded"),
                    "runtime_s": data.get("runtime"),
                }
            )
    if not rows:
        return
    total = sum(r["runtime_s"] or 0.0 for r in rows)
    print("\nChapter execution times (s):")
    for r in rows:
        runtime = "-" if r["runtime_s"] is None else f"{r['runtime_s']:7.1f}"
        print(f"  {runtime}  {r['method']:<6}  {r['chapter']}")
    print(f"  {total:7.1f}  total\n")
    out = Path(app.outdir).parent / "execution-times.json"
    out.write_text(json.dumps({"chapters": rows, "total_s": total}, indent=2))


def setup(app: Sphinx) -> dict:
    app.connect("build-finished", report)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
