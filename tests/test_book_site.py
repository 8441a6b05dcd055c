"""The book builds with warnings as errors, and its launch buttons open the paired notebooks.

The build here does not execute the notebooks (nbval already ran them in the same test run):
it uses the book's own _config.yml with one override, ``nb_execution_mode = "off"``, so a
broken reference, a missing bibliography key or a malformed directive still fails the tests.
`make book` is the full build that executes every chapter.
"""

import re

import yaml

# `site`: the non-executing build (tests/site_fixture.py), built once per test run and
# shared with tests/test_site_browser.py.
from site_fixture import ROOT, site  # noqa: F401  (a fixture)
from site_fixture import chapters as _chapters


def test_every_chapter_page_is_built(site):
    for chapter in _chapters():
        assert (site / f"{chapter}.html").is_file(), chapter
    assert (site / "book" / "intro.html").is_file()
    api = (site / "book" / "api.html").read_text()
    for name in ("recurrent_classifier", "xla_enabled", "bucket_by_length"):
        assert f'id="seqbook.' in api and name in api, name  # autodoc rendered the docstrings


def test_colab_button_opens_the_paired_ipynb(site):
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    owner_repo = config["repository"]["url"].removeprefix("https://github.com/")
    branch = config["repository"]["branch"]
    for chapter in _chapters():
        html = (site / f"{chapter}.html").read_text()
        links = set(re.findall(r'https://colab\.research\.google\.com/[^"]+', html))
        expected = f"https://colab.research.google.com/github/{owner_repo}/blob/{branch}/{chapter}.ipynb"
        assert links == {expected}, (chapter, links)
        assert (ROOT / f"{chapter}.ipynb").is_file()


def test_math_and_citations_render(site):
    html = (site / "book/foundations/what-is-sequence-modeling.html").read_text()
    assert "math notranslate" in html  # dollarmath became MathJax blocks
    assert 'class="reference internal"' in html and "Elman" in html  # {cite} resolved


def test_math_is_typeset_by_the_mathjax_served_with_the_site(site):
    # A reader with the built site and no network must still see typeset math: MathJax
    # comes from the build's _static/ (fetched once by make, pinned), not from a CDN.
    html = (site / "book/foundations/hmm.html").read_text()
    sources = re.findall(r'<script[^>]*src="([^"]*(?:mathjax|tex-chtml)[^"]*)"', html, re.I)
    assert sources, "no MathJax script on the page"
    assert all(not s.startswith(("http:", "https:", "//")) for s in sources), sources
    assert all(s.split("?")[0].endswith("_static/mathjax/tex-chtml.js") for s in sources), sources
    assert (site / "_static/mathjax/tex-chtml.js").is_file()
    fonts = site / "_static/mathjax/output/chtml/fonts/woff-v2"
    assert (fonts / "MathJax_Main-Regular.woff").is_file()
