"""The built site as a reader sees it: every page opened in headless Chromium.

The site is the non-executing build of tests/site_fixture.py (built once per test run, shared
with tests/test_book_site.py), served over HTTP on 127.0.0.1 and opened by Playwright in the
system's Chromium (Debian's ``chromium``; Playwright's own browser download is not used, so
this works with no network). For every HTML page of the book it checks: no console errors, every
image loads, the math is typeset by MathJax with no raw TeX left, no internal link is broken
(file and anchor), the launch and download buttons open the chapter's notebook, the search
finds a chapter's terms, nothing overflows horizontally at a phone's width, and nothing is
fetched from the network (the site must work offline). Screenshots of two pages are saved to
``_build/browser-screenshots/``.

Environment variables:

* ``SEQBOOK_SITE``: check this built site instead, for example ``_build/html`` after
  `make book`: its executed chapters have the figures of their code cells, which the
  non-executing build lacks (with SEQBOOK_SITE set, at least one such figure must be there).
* ``SEQBOOK_CHROMIUM``: the browser binary (default: ``chromium`` or ``google-chrome`` on PATH).

The tests skip only when no browser binary is found.
"""

from __future__ import annotations

import dataclasses
import functools
import html.parser
import http.server
import json
import os
import pathlib
import re
import shutil
import threading
import urllib.parse

import pytest
import yaml

# `site`: the non-executing build, built once per test run and shared with test_book_site.py.
from site_fixture import ROOT, chapters, site, toc_files  # noqa: F401  (site: a fixture)

SCREENSHOTS = ROOT / "_build" / "browser-screenshots"
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
# A term from a chapter, and the page the search must list for it.
SEARCHES = {"Viterbi": "book/foundations/hmm.html", "BLEU": "book/applications/machine-translation.html"}
MATH_CHAPTER = "book/foundations/hmm"

# Names an element by a short CSS-like selector, for the messages (used by both scripts below).
DESCRIBE = """
  const describe = (el) => {
    const parts = [];
    for (let e = el; e && e.nodeType === 1 && parts.length < 4; e = e.parentElement) {
      let s = e.tagName.toLowerCase();
      if (e.id) { parts.unshift(s + '#' + e.id); break; }
      if (e.classList.length) s += '.' + [...e.classList].slice(0, 3).join('.');
      parts.unshift(s);
    }
    return parts.join(' > ');
  };
"""

# Runs in the page once it has loaded: waits for MathJax and the images, then reports what the
# tests check.
INSPECT = """async () => {""" + DESCRIBE + """
  const timeout = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await Promise.race([MathJax.startup.promise, timeout(20000)]);
  }
  const images = [...document.images];
  await Promise.race([
    Promise.all(images.map((img) => { img.loading = 'eager'; return img.decode().catch(() => null); })),
    timeout(10000),
  ]);
  const maths = [...document.querySelectorAll('span.math, div.math')];
  const text = document.body.cloneNode(true);
  text.querySelectorAll('pre, code, script, style, textarea, mjx-container, .highlight')
    .forEach((e) => e.remove());
  const launch = document.querySelector('.dropdown-launch-buttons .dropdown-toggle');
  let colabVisible = null;
  if (launch) {
    launch.click();
    await timeout(50);
    const colab = document.querySelector('.dropdown-launch-buttons a[href*="colab.research.google.com"]');
    colabVisible = !!colab && colab.getClientRects().length > 0 && getComputedStyle(colab).visibility !== 'hidden';
    launch.click();
  }
  return {
    url: location.href,
    images: images.map((img) => ({
      selector: describe(img), src: img.currentSrc || img.src, complete: img.complete,
      naturalWidth: img.naturalWidth, output: !!img.closest('.cell_output') })),
    maths: maths.length,
    bibliography: document.querySelectorAll('[role="doc-biblioentry"]').length,
    untypeset: maths.filter((m) => !m.querySelector('mjx-container'))
      .map((m) => describe(m) + ': ' + m.textContent.trim().slice(0, 60)),
    mathjax: document.querySelectorAll('mjx-container').length,
    mathErrors: [...document.querySelectorAll('mjx-merror')]
      .map((e) => describe(e) + ': ' + (e.getAttribute('data-mjx-error') || e.textContent).slice(0, 80)),
    text: text.textContent,
    links: [...document.querySelectorAll('a[href]')]
      .filter((a) => a.href.startsWith(location.origin + '/'))
      .map((a) => ({ href: a.href, selector: describe(a) })),
    colab: [...document.querySelectorAll('a[href*="colab.research.google.com"]')].map((a) => a.href),
    colabVisible,
    downloads: [...document.querySelectorAll('.dropdown-download-buttons a[href]')]
      .map((a) => ({ href: a.href, title: a.title })),
  };
}"""

OVERFLOW = """async () => {""" + DESCRIBE + """
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  const root = document.scrollingElement;
  const width = root.clientWidth;
  const result = { scrollWidth: root.scrollWidth, clientWidth: width, offenders: [] };
  if (root.scrollWidth <= width + 1) return result;
  // An element that sticks out of the page, not inside a box that scrolls or clips it.
  const contained = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const style = getComputedStyle(p);
      if (style.position === 'fixed' || ['auto', 'scroll', 'hidden', 'clip'].includes(style.overflowX)) return true;
    }
    return false;
  };
  const sticking = new Set();
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right + window.scrollX > width + 1 && getComputedStyle(el).position !== 'fixed' && !contained(el)) {
      sticking.add(el);
    }
  }
  for (const el of sticking) {
    if (!sticking.has(el.parentElement)) {
      const r = el.getBoundingClientRect();
      result.offenders.push(`${describe(el)} (${Math.round(r.width)} px wide, right edge at ${Math.round(r.right + window.scrollX)} px)`);
    }
  }
  return result;
}"""

# Runs in a page opened in dark mode: for each figure of the article, whether it is legible
# there, i.e. drawn on its own opaque background (matplotlib's white figure face) or shown on a
# light backdrop; dark ink on a transparent image over the dark page would not be.
DARK_FIGURES = """async () => {""" + DESCRIBE + """
  const timeout = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const images = [...document.querySelectorAll('.bd-article img')];
  await Promise.race([
    Promise.all(images.map((img) => { img.loading = 'eager'; return img.decode().catch(() => null); })),
    timeout(10000),
  ]);
  const rgba = (css) => { const v = (css.match(/[\\d.]+/g) || []).map(Number); return v.length === 3 ? [...v, 1] : v; };
  const luminance = (c) => (0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]) / 255;
  const backdrop = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c.length === 4 && c[3] > 0.5) return luminance(c);
    }
    return luminance(rgba(getComputedStyle(document.documentElement).backgroundColor));
  };
  return {
    theme: document.documentElement.dataset.theme,
    page: backdrop(document.querySelector('.bd-article') || document.body),
    figures: images.filter((img) => img.naturalWidth > 0).map((img) => {
      const canvas = document.createElement('canvas');
      const width = canvas.width = Math.min(img.naturalWidth, 400);
      const height = canvas.height = Math.max(1, Math.round(img.naturalHeight * width / img.naturalWidth));
      const context = canvas.getContext('2d');
      context.drawImage(img, 0, 0, width, height);
      const pixels = context.getImageData(0, 0, width, height).data;
      let clear = 0;
      for (let k = 3; k < pixels.length; k += 4) if (pixels[k] < 128) clear++;
      return { selector: describe(img), src: (img.currentSrc || img.src).slice(-80),
               transparent: clear / (width * height), backdrop: backdrop(img) };
    }),
  };
}"""


def _browser_binary() -> str | None:
    names = [os.environ.get("SEQBOOK_CHROMIUM", ""), "chromium", "chromium-browser",
             "google-chrome", "google-chrome-stable"]
    for name in filter(None, names):
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclasses.dataclass
class Visit:
    """What the browser saw on one page (desktop width), and its width at a phone's width."""

    path: str
    console_errors: list[str] = dataclasses.field(default_factory=list)
    failed_requests: list[str] = dataclasses.field(default_factory=list)
    external_requests: list[str] = dataclasses.field(default_factory=list)
    seen: dict = dataclasses.field(default_factory=dict)
    phone: dict = dataclasses.field(default_factory=dict)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class _Ids(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("id", "name") and value:
                self.ids.add(value)


@pytest.fixture(scope="module")
def browser():
    binary = _browser_binary()
    if binary is None:
        pytest.skip("no chromium: apt-get install chromium "
                    "(or set SEQBOOK_CHROMIUM to a Chromium or Chrome binary)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright for Python is missing: pip install -e '.[test]'")
    with sync_playwright() as playwright:
        # No request may leave the machine: the site must work offline (and the test must
        # not depend on the network). Every host but 127.0.0.1 resolves to nothing.
        browser = playwright.chromium.launch(
            executable_path=binary,
            args=["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
        )
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def html_root(request, browser) -> pathlib.Path:
    """The built site: SEQBOOK_SITE if set, else the shared non-executing build."""
    chosen = os.environ.get("SEQBOOK_SITE")
    if not chosen:
        return request.getfixturevalue("site")
    path = pathlib.Path(chosen)
    path = path if path.is_absolute() or path.exists() else ROOT / path
    if not (path / "book" / "intro.html").is_file():
        pytest.fail(f"SEQBOOK_SITE={chosen}: no built book there (run `make book` first)")
    return path.resolve()


@pytest.fixture(scope="module")
def base_url(html_root):
    handler = functools.partial(_Quiet, directory=str(html_root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def _pages(html_root: pathlib.Path) -> list[str]:
    """Every HTML page of the site but the root index.html (a redirect to the intro)."""
    pages = [p.relative_to(html_root).as_posix() for p in html_root.rglob("*.html")]
    return sorted(p for p in pages if not p.startswith("_") and p != "index.html")


def _open(context, url: str, visit: Visit):
    page = context.new_page()
    local = "/".join(url.split("/", 3)[:3]) + "/"
    # Chromium asks every new site for /favicon.ico by itself; no page asks for it (the book
    # has no icon), so its 404 is the browser's, not a page's error.
    favicon = local + "favicon.ico"

    def console(message):
        where = message.location.get("url", "?")
        if message.type == "error" and not where.startswith(favicon):
            visit.console_errors.append(f"{message.text} (at {where}:{message.location.get('lineNumber', '?')})")

    page.on("console", console)
    page.on("pageerror", lambda e: visit.console_errors.append(f"uncaught {e}"))
    page.on("request", lambda r: r.url.startswith(("http:", "https:")) and not r.url.startswith(local)
            and visit.external_requests.append(r.url))
    page.on("requestfailed", lambda r: r.url.startswith(local) and visit.failed_requests.append(
        f"{r.url} ({r.failure})"))
    page.on("response", lambda r: r.status >= 400 and r.url.startswith(local) and r.url != favicon
            and visit.failed_requests.append(f"{r.url} (HTTP {r.status})"))
    page.goto(url, wait_until="load")
    return page


@pytest.fixture(scope="module")
def visits(browser, html_root, base_url) -> dict[str, Visit]:
    """Open every page once at a desktop width and once at a phone's width."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    desktop = browser.new_context(viewport=DESKTOP)
    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    for context in (desktop, phone):
        context.set_default_timeout(30_000)
    results = {}
    try:
        for path in _pages(html_root):
            visit = results[path] = Visit(path)
            page = _open(desktop, base_url + path, visit)
            visit.seen = page.evaluate(INSPECT)
            if path == "book/intro.html":
                page.screenshot(path=SCREENSHOTS / "intro.png")
            if path == f"{MATH_CHAPTER}.html":
                page.locator("div.math").first.scroll_into_view_if_needed()
                page.screenshot(path=SCREENSHOTS / f"{pathlib.Path(MATH_CHAPTER).name}.png")
            page.close()
            page = _open(phone, base_url + path, visit)
            visit.phone = page.evaluate(OVERFLOW)
            if path == f"{MATH_CHAPTER}.html":
                page.locator("div.math").first.scroll_into_view_if_needed()
                page.screenshot(path=SCREENSHOTS / f"{pathlib.Path(MATH_CHAPTER).name}-phone.png")
            page.close()
    finally:
        desktop.close()
        phone.close()
    return results


def _problems(visits, check) -> list[str]:
    """``"page: problem"`` for each problem that ``check(visit)`` lists."""
    problems = []
    for path, visit in visits.items():
        problems += [f"{path}: {p}" for p in check(visit)]
    return list(dict.fromkeys(problems))  # once each (a page is opened twice)


def _report(problems: list[str], limit: int = 40) -> str:
    more = f"\n... and {len(problems) - limit} more" if len(problems) > limit else ""
    return f"{len(problems)} problem(s):\n" + "\n".join(problems[:limit]) + more


def _console_problems(visits) -> list[str]:
    return _problems(visits, lambda v: v.console_errors)


# Raw TeX that MathJax did not typeset, in the text a reader sees (code excluded): $$, \( \)
# \[ \], \begin{, or $...$ around a TeX command, a sub- or superscript or a brace.
RAW_TEX = re.compile(r"\$\$|\\\(|\\\)|\\\[|\\\]|\\begin\{|\$[^$\s][^$\n]{0,100}?[\\_^{][^$\n]{0,100}?\$")


def _math_problems(visits) -> list[str]:
    def untypeset(visit):
        seen = visit.seen
        problems = [f"not typeset: {m}" for m in seen["untypeset"]]
        problems += [f"MathJax error: {m}" for m in seen["mathErrors"]]
        if seen["maths"] and not seen["mathjax"]:
            problems.append(f"{seen['maths']} math elements but no <mjx-container>")
        for match in RAW_TEX.finditer(seen["text"]):
            context = seen["text"][max(0, match.start() - 40):match.end() + 40]
            problems.append(f"raw TeX in the text: {' '.join(context.split())!r}")
        return problems

    return _problems(visits, untypeset)


def _overflow_problems(visits) -> list[str]:
    def overflow(visit):
        phone = visit.phone
        if phone["scrollWidth"] <= phone["clientWidth"] + 1:
            return []
        return [f"the page is {phone['scrollWidth']} px wide at {phone['clientWidth']} px; "
                f"sticking out: {'; '.join(phone['offenders'][:8]) or '?'}"]

    return _problems(visits, overflow)


CHECKS = {"console": _console_problems, "math": _math_problems, "overflow": _overflow_problems}

# Defects of the site that this test found and that are not fixed yet: (check, a pattern of
# the "page: problem" lines it causes, why). Each has its own strict xfail test below, so it
# stays visible and fails (XPASS) once fixed: then delete its entry. The checks themselves
# still fail on any other problem.
KNOWN_DEFECTS = {}


def _unexplained(check: str, problems: list[str]) -> list[str]:
    known = [re.compile(p) for c, p, _ in KNOWN_DEFECTS.values() if c == check]
    return [p for p in problems if not any(k.search(p) for k in known)]


def test_every_page_of_the_book_is_opened(visits, browser, base_url):
    for name in toc_files():
        assert f"{name}.html" in visits, f"{name}.html: in _toc.yml but not in the site"
    for name in ("search.html", "genindex.html"):
        assert name in visits, name
    page = browser.new_page()
    page.goto(base_url, wait_until="load")
    page.wait_for_url("**/book/intro.html")  # the site's index.html redirects to the intro
    page.close()


def test_no_console_errors(visits):
    problems = _unexplained("console", _console_problems(visits))
    assert not problems, _report(problems)


def test_every_request_of_a_page_succeeds(visits):
    problems = _problems(visits, lambda v: v.failed_requests)
    assert not problems, _report(problems)


def test_no_page_fetches_anything_from_the_network(visits):
    # The site must work offline (issue 23): its scripts, styles, fonts and MathJax are
    # served from the build. Links to other sites (GitHub, Colab) are fine; loads are not.
    problems = _problems(visits, lambda v: sorted(set(v.external_requests)))
    assert not problems, _report(problems)


def test_every_image_loads(visits):
    def broken(visit):
        return [f"<img> {i['selector']} src={i['src'][:100]} did not load"
                for i in visit.seen["images"] if not (i["complete"] and i["naturalWidth"] > 0)]

    problems = _problems(visits, broken)
    assert not problems, _report(problems)
    images = [i for v in visits.values() for i in v.seen["images"]]
    outputs = sum(i["output"] for i in images)
    if os.environ.get("SEQBOOK_SITE"):
        # An executed build (`make book`) has the figures of the chapters' code cells.
        assert outputs, "SEQBOOK_SITE: no figure from a code cell anywhere: was it executed?"
    print(f"{len(images)} images loaded, {outputs} of them cell outputs")


def test_math_is_typeset(visits):
    problems = _unexplained("math", _math_problems(visits))
    assert not problems, _report(problems)
    chapter = visits[f"{MATH_CHAPTER}.html"].seen
    assert chapter["mathjax"] >= chapter["maths"] > 10, chapter["maths"]


def test_nothing_overflows_at_a_phone_width(visits):
    problems = _unexplained("overflow", _overflow_problems(visits))
    assert not problems, _report(problems)


@pytest.mark.parametrize("defect", [
    pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=reason))
    for name, (_, _, reason) in KNOWN_DEFECTS.items()
])
def test_known_defect_is_fixed(defect, visits):
    check, pattern, _ = KNOWN_DEFECTS[defect]
    found = [p for p in CHECKS[check](visits) if re.search(pattern, p)]
    assert not found, _report(found)


@functools.lru_cache(maxsize=None)
def _ids(file: pathlib.Path) -> frozenset[str]:
    parser = _Ids()
    parser.feed(file.read_text(errors="replace"))
    return frozenset(parser.ids)


def test_no_broken_internal_link(visits, html_root, base_url):
    def broken(visit):
        problems = []
        for link in visit.seen["links"]:
            url = urllib.parse.urlsplit(link["href"])
            relative = urllib.parse.unquote(url.path).lstrip("/")
            target = html_root / relative
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                problems.append(f"{link['selector']} -> {link['href']}: no such file")
            elif url.fragment and target.suffix == ".html":
                if urllib.parse.unquote(url.fragment) not in _ids(target):
                    problems.append(f"{link['selector']} -> {link['href']}: no such anchor")
        return sorted(set(problems))

    problems = _problems(visits, broken)
    assert not problems, _report(problems)
    links = [link["href"] for v in visits.values() for link in v.seen["links"]]
    assert len(links) > 100 and sum("#" in link for link in links) > 20  # the links were seen


def _code_cells(notebook: dict) -> list[str]:
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in notebook["cells"] if c["cell_type"] == "code"]


def test_launch_and_download_buttons_open_the_chapter_notebook(visits, browser, base_url):
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    owner_repo = config["repository"]["url"].removeprefix("https://github.com/")
    branch = config["repository"]["branch"]
    context = browser.new_context()
    request = context.request
    problems = []
    for chapter in chapters():
        seen = visits[f"{chapter}.html"].seen
        colab = f"https://colab.research.google.com/github/{owner_repo}/blob/{branch}/{chapter}.ipynb"
        if seen["colab"] != [colab]:
            problems.append(f"{chapter}.html: Colab links {seen['colab']}, expected [{colab}]")
        if not seen["colabVisible"]:
            problems.append(f"{chapter}.html: the launch menu does not show the Colab button")
        notebooks = [d["href"] for d in seen["downloads"] if d["href"].endswith(".ipynb")]
        expected = f"{base_url}_sources/{chapter}.ipynb"
        if notebooks != [expected]:
            problems.append(f"{chapter}.html: download notebook links {notebooks}, expected [{expected}]")
            continue
        response = request.get(expected)
        if not response.ok:
            problems.append(f"{chapter}.html: {expected} answers HTTP {response.status}")
            continue
        served = _code_cells(json.loads(response.body()))
        paired = _code_cells(json.loads((ROOT / f"{chapter}.ipynb").read_text()))
        if served != paired:
            problems.append(f"{chapter}.html: the downloaded notebook's code differs from {chapter}.ipynb "
                            "(a stale SEQBOOK_SITE build, or the pair is out of step: make sync)")
    for path, visit in visits.items():
        if path.removesuffix(".html") not in chapters() and visit.seen["colab"]:
            problems.append(f"{path}: a Colab button on a page that is not a notebook")
    context.close()
    assert not problems, _report(problems)


@pytest.mark.parametrize("term", sorted(SEARCHES))
def test_search_finds_a_term_of_a_chapter(term, browser, base_url, visits):
    source = ROOT / SEARCHES[term].replace(".html", ".md")
    assert term in source.read_text(), f"{term!r} is no longer in {source.name}: pick another term"
    page = browser.new_page()
    page.goto(f"{base_url}search.html?q={term}", wait_until="load")
    results = page.locator("#search-results ul.search li a")
    try:
        page.wait_for_function(
            "(href) => [...document.querySelectorAll('#search-results ul.search li a')]"
            ".some((a) => a.href.split('#')[0].split('?')[0].endsWith(href))",
            arg=SEARCHES[term], timeout=20_000)
    except Exception:  # noqa: BLE001  (Playwright's TimeoutError: report what was found)
        found = results.evaluate_all("(links) => links.map((a) => a.href)")
        status = page.locator("#search-results").inner_text()[:200]
        pytest.fail(f"search.html?q={term}: {SEARCHES[term]} not among the results {found} ({status!r})")
    finally:
        page.close()


def test_screenshots_are_saved(visits):
    name = pathlib.Path(MATH_CHAPTER).name
    for file in ("intro.png", f"{name}.png", f"{name}-phone.png"):
        path = SCREENSHOTS / file
        assert path.is_file() and path.stat().st_size > 10_000, path


def test_figures_stay_legible_in_dark_mode(visits, browser, base_url):
    """Issue 23: the theme follows the reader's dark mode; every figure must stay readable
    there: opaque (its own light background) or on a light backdrop, never dark ink on a
    transparent image over the dark page."""
    pages = [path for path, visit in visits.items() if visit.seen["images"]]
    assert pages, "no page with an image to check"
    context = browser.new_context(viewport=DESKTOP, color_scheme="dark")
    problems, checked, shot = [], 0, False
    try:
        for path in pages:
            page = context.new_page()
            page.goto(base_url + path, wait_until="load")
            seen = page.evaluate(DARK_FIGURES)
            if seen["theme"] != "dark" or seen["page"] > 0.3:
                problems.append(f"{path}: not shown in dark mode (theme {seen['theme']!r}, "
                                f"page luminance {seen['page']:.2f})")
            for figure in seen["figures"]:
                checked += 1
                if figure["transparent"] > 0.05 and figure["backdrop"] < 0.6:
                    problems.append(
                        f"{path}: {figure['selector']} ({figure['src']}) is "
                        f"{figure['transparent']:.0%} transparent on a dark backdrop "
                        f"(luminance {figure['backdrop']:.2f})")
            if seen["figures"] and not shot:
                page.locator(".bd-article img").first.scroll_into_view_if_needed()
                page.screenshot(path=SCREENSHOTS / "dark-mode.png")
                shot = True
            page.close()
    finally:
        context.close()
    assert checked, "no figure was drawn in dark mode"
    assert not problems, _report(problems)


def test_every_page_that_cites_shows_its_bibliography(visits):
    """Issue 23: a page that cites lists each work it cites at its end (sphinxcontrib-bibtex,
    filtered to the page), and a page that cites nothing has no stray list."""
    cite = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")
    problems, pages = [], 0
    for page in toc_files():
        keys = {key.strip() for keys in cite.findall((ROOT / f"{page}.md").read_text())
                for key in keys.split(",")}
        shown = visits[f"{page}.html"].seen["bibliography"]
        pages += bool(keys)
        if shown != len(keys):
            problems.append(f"{page}: cites {len(keys)} works, its bibliography lists {shown}")
    assert pages > 10, pages
    assert not problems, _report(problems)
