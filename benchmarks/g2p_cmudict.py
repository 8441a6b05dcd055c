"""The grapheme-to-phoneme results of the seq2seq chapter, for either profile, with timings.

Usage::

    python benchmarks/g2p_cmudict.py                          # the CPU profile, as the book runs it
    python benchmarks/g2p_cmudict.py --profile accelerator    # all training words, a wider model

Executes ``book/neural/seq2seq.ipynb`` itself (so the code is exactly the chapter's) under
``SEQBOOK_PROFILE``, then prints its table of word and phoneme error rates (baseline, greedy,
beam search, published figures), the exposure-bias measurement and the wall-clock time, so
that the figures quoted in notes and issues can be reproduced. The accelerator profile
trains on all 100,784 training words for 30 epochs and decodes all 12,540 test words: run
it on a GPU or TPU.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import time

import nbformat
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "book" / "neural" / "seq2seq.ipynb"
REPORT = """\
print(table.round(2).to_string())
print()
print(exposure.round(4).to_string())
print(f"beam search more probable than greedy on {int(better.sum())} words, "
      f"less probable on {int(worse.sum())}")
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=("cpu", "accelerator"), default="cpu")
    args = parser.parse_args()
    os.environ["SEQBOOK_PROFILE"] = args.profile
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    notebook = nbformat.read(CHAPTER, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(REPORT))
    client = NotebookClient(notebook, timeout=7200, kernel_name="python3",
                            resources={"metadata": {"path": str(CHAPTER.parent)}})
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    for output in notebook.cells[-1].get("outputs", []):
        if output.get("name") == "stdout":
            print(output["text"], end="")
    print(f"\nprofile {args.profile}: the chapter ran in {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
