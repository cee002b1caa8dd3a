"""Execute one or a few chapters and show what they glued: for writing and checking a chapter.

``python tools/run_chapter.py book/practice/c07_fashion_mnist.md [--replicate K] [--threads N]``
executes each chapter in a worker process (as the build does), prints its time, names the
failing cell if one fails, prints every value it glued (``key = text``, French variants
included) and keeps the executed notebook in ``_build/single/``. Nothing is cached: this never
touches the book's build. ``--replicate K`` executes it as replication K
(``MLP_REPLICATION=K``: seeds moved); ``--threads N`` sets the BLAS thread count (default 1).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from chapter_runs import Outcome, run_chapters

ROOT = Path(__file__).resolve().parents[1]


def glued_values(nb: Any) -> dict[str, str]:
    """Every value a notebook glued, as its text: ``{key: text}`` in the order glued."""
    values: dict[str, str] = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            record = output.get("metadata", {}).get("scrapbook")
            if not record:
                continue
            data = output.get("data", {})
            prefix = record.get("mime_prefix", "")
            text = data.get(prefix + "text/plain", data.get("text/plain", ""))
            if prefix + "text/markdown" in data:
                text = "[markdown] " + str(data[prefix + "text/markdown"])[:200]
            values[record["name"]] = str(text)
    return values


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="+", type=Path)
    parser.add_argument("--replicate", type=int, default=0, metavar="K")
    parser.add_argument("--threads", type=int, default=1, metavar="N")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--quiet", action="store_true", help="do not print the glued values")
    args = parser.parse_args(argv)
    env = dict(os.environ)
    env["MLP_REPLICATION"] = str(args.replicate)
    env["OPENBLAS_NUM_THREADS"] = env["OMP_NUM_THREADS"] = str(args.threads)
    out = ROOT / "_build" / "single"
    out.mkdir(parents=True, exist_ok=True)
    chapters = [path.resolve() for path in args.chapters]
    for path in chapters:
        if not path.is_file():
            parser.error(f"no such chapter: {path}")

    def show(outcome: Outcome) -> None:
        import nbformat

        name = outcome.chapter.name
        print(f"{outcome.seconds:7.1f} s  {name}  (replication {args.replicate})", flush=True)
        suffix = f".r{args.replicate}" if args.replicate else ""
        nbformat.write(outcome.nb, str(out / f"{outcome.chapter.stem}{suffix}.ipynb"))
        if not args.quiet:
            for key, text in glued_values(outcome.nb).items():
                print(f"    {key} = {text}")

    with tempfile.TemporaryDirectory(prefix="run-chapter-") as workdir:
        failure = run_chapters(
            chapters, jobs=args.jobs, workdir=Path(workdir), environment=env, on_success=show
        )
    if failure is not None:
        print(
            f"\n{failure.error}\n\nFAILED after {failure.seconds:.0f} s: "
            f"{failure.chapter.name}, {failure.where}"
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
