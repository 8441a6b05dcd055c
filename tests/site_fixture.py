"""The non-executing build of the book, shared by the tests that read the site.

tests/test_book_site.py (the build itself, the pages, the Colab links) and
tests/test_site_browser.py (the site in headless Chromium) both import the ``site`` fixture
from here; it builds the book once per test run (the first module to ask builds it, the other
gets the same folder), so adding the browser test costs no second build.

The build uses the book's own _config.yml with one override, ``nb_execution_mode = "off"``
(nbval already ran the notebooks in the same test run), so a broken reference, a missing
bibliography key or a malformed directive still fails the tests. `make book` is the full
build that executes every chapter.
"""

import pathlib

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
CONFIG_SUPPRESSED = yaml.safe_load((ROOT / "_config.yml").read_text())["sphinx"]["config"][
    "suppress_warnings"
]


def toc_files() -> list[str]:
    """Every page of the table of contents (its root first), as paths without a suffix."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [toc["root"]] + [entry["file"] for part in toc["parts"] for entry in part["chapters"]]


def chapters() -> list[str]:
    """The notebook chapters in the table of contents (pages like the API reference excluded)."""
    return [f for f in toc_files() if "kernelspec:" in (ROOT / f"{f}.md").read_text()]


# The one build of this test run: its folder, or why it failed (so a second module that asks
# fails the same way at once instead of building again).
_BUILT: dict[str, pathlib.Path | str] = {}


def _build(tmp_path_factory) -> pathlib.Path:
    from jupyter_book.sphinx import build_sphinx

    out = tmp_path_factory.mktemp("site")
    result = build_sphinx(
        ROOT,
        out / "html",
        noconfig=True,
        path_config=str(ROOT / "_config.yml"),
        confoverrides={
            "external_toc_path": (ROOT / "_toc.yml").as_posix(),
            "nb_execution_mode": "off",
            "latex_individualpages": False,  # jupyter-book expects this CLI key
            # Without execution no glued value exists, in a chapter or pasted from one into
            # the results page: tests/test_project_files.py checks that each quoted key is
            # glued by its chapter, and `make book` renders them.
            "suppress_warnings": CONFIG_SUPPRESSED + ["mystnb.glue", "mystnb.glue_ref"],
        },
        doctreedir=out / ".doctrees",
        warningiserror=True,
        keep_going=True,
        freshenv=True,
        quiet=True,
    )
    if result != 0:
        return "the book build failed or warned; run `make book` to see why"
    return out / "html"


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> pathlib.Path:
    """The built HTML site (built once per test run, whichever module asks first)."""
    if not (ROOT / "_vendor" / "mathjax" / "tex-chtml.js").is_file():
        pytest.fail("MathJax for the site is not fetched yet: run `make venv` once (npm, pinned)")
    if "html" not in _BUILT:
        _BUILT["html"] = _build(tmp_path_factory)
    built = _BUILT["html"]
    if isinstance(built, str):
        pytest.fail(built)
    return built
