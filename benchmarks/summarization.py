"""The seed noise of the summarization chapter's models.

``book/applications/summarization`` trains the pointer-generator and the Transformer once,
from seed 0, in the CPU profile. This script runs the chapter's own code (read from its
MyST source with jupytext, so the settings cannot drift) up to the results table, once per
seed, and prints, per seed, each model's validation ROUGE-L by scored epoch (from which
the chapter picks the epoch to keep) and the test ROUGE of every row, then the mean and
the seed-to-seed spread (max - min) of each. The baselines have no seed; the models' spread is
what a difference between them must exceed before the chapter calls it one.

Usage::

    python benchmarks/summarization.py --seeds 0 1 2     # 80 to 100 s per seed on 2 busy cores
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("SEQBOOK_PROFILE", "cpu")

import jupytext  # noqa: E402
import pandas as pd  # noqa: E402

CHAPTER = Path(__file__).resolve().parents[1] / "book" / "applications" / "summarization.md"
STOP = "## Copy or generate?"  # the code before this heading produces ``results``


def chapter_code(seed: int) -> str:
    """The chapter's code cells up to the results, with ``seed`` in ``runtime.setup``."""
    notebook = jupytext.read(CHAPTER)
    cells = []
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and STOP in cell.source:
            break
        if cell.cell_type == "code":
            cells.append(cell.source)
    code = "\n\n".join(cells)
    if "runtime.setup(seed=0)" not in code:
        raise RuntimeError("the chapter no longer calls runtime.setup(seed=0)")
    return code.replace("runtime.setup(seed=0)", f"runtime.setup(seed={seed})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args()
    tables = {}
    for seed in args.seeds:
        started = time.perf_counter()
        namespace: dict = {"get_ipython": lambda: None}
        exec(compile(chapter_code(seed), str(CHAPTER), "exec"), namespace)  # noqa: S102
        tables[seed] = namespace["results"]["man pages"]
        print(f"seed {seed} ({time.perf_counter() - started:.0f} s)")
        print(namespace["curves"].round(1).to_string())
        print(tables[seed].round(1).to_string(), flush=True)
    stacked = pd.concat(tables, names=["seed"])
    spread = stacked.groupby(level=1).agg(lambda x: x.max() - x.min())
    mean = stacked.groupby(level=1).mean()
    print("\nmean over seeds\n" + mean.round(1).to_string())
    print("\nspread (max - min) over seeds\n" + spread.round(1).to_string())


if __name__ == "__main__":
    main()
