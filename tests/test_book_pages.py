"""Checks of the rendered book in _build/html, in headless Chromium (run by `make test` after the build).

Each page is served from 127.0.0.1 and opened with every other request blocked and recorded: the
book must work offline (MathJax included). After MathJax has typeset the page, a full-page
screenshot goes to _build/screenshots/<page>.png. With folded cells and solutions opened, the page
must show no MathJax error, no Python traceback or error output, no Python object repr in its text (a
glued value shown with the wrong role), no broken image, no failed local request, and no output
(printed text or table) or code wider than its box at a 1280 px wide window. At window widths from a
phone's to a desktop's, no page may be wider than the window. No page may name the paths of the
machine that built it (the repository, data and cache directories). The solutions of the exercises
are folded when a page loads and open on a click to their code and its output.

Select these tests with `pytest -m book`; plain unit-test runs use `-m "not book"`.
"""
from __future__ import annotations

import functools
import http.server
import re
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

from nbtools import HTML, ROOT, notebook_sources, toc_files

pytestmark = pytest.mark.book

SCREENSHOTS = ROOT / "_build" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# (screenshot name, page path under _build/html); index.html redirects to the root page
PAGES = [("index", "index.html")] + [(doc.replace("/", "_"), f"{doc}.html") for doc in toc_files()]

PAGE_STATE_JS = """() => {
  // unfold folded cells (tag hide-input) and folded solutions of exercises (sphinx-togglebutton hides
  // them by a class), so that their code and outputs are measured as a reader who opens them sees them
  document.querySelectorAll('div.cell details').forEach(d => { d.open = true; });
  document.querySelectorAll('.admonition.toggle-hidden').forEach(a => a.classList.remove('toggle-hidden'));
  const text = document.body.innerText;
  const stderr = Array.from(document.querySelectorAll('.output.stderr'))
    .map(e => e.innerText).filter(t => /Error/.test(t));
  return {
    mathErrors: document.querySelectorAll('mjx-merror, .MathJax_Error').length
      + (text.includes('Math input error') ? 1 : 0),
    // Sphinx puts TeX in span.math / div.math; left untypeset, it shows as raw TeX
    mathUntypeset: Array.from(document.querySelectorAll('span.math, div.math'))
      .filter(e => !e.querySelector('mjx-container')).map(e => e.textContent.slice(0, 80)),
    mathRendered: document.querySelectorAll('mjx-container').length,
    traceback: text.includes('Traceback (most recent call last)'),
    // a glued value that could not be shown as text (e.g. a Markdown object under {glue:text})
    // prints as its Python repr; code cells may mention such names, so they are left out
    objectReprs: (() => {
      const clone = (document.querySelector('main') || document.body).cloneNode(true);
      clone.querySelectorAll('div.cell_input').forEach(e => e.remove());
      return clone.textContent.match(/<[A-Za-z_][\\w.]* object( at 0x[0-9a-fA-F]+)?>/g) || [];
    })(),
    errorOutputs: document.querySelectorAll('.output.traceback, .output.error').length,
    stderrErrors: stderr,
    brokenImages: Array.from(document.images)
      .filter(i => !i.complete || i.naturalWidth === 0).map(i => i.getAttribute('src')),
    links: Array.from(document.querySelectorAll('a[href]')).map(a => a.href),
    // outputs (printed text, tables) wider than their box: a reader would have to scroll sideways
    wideOutputs: Array.from(document.querySelectorAll('div.cell_output')).flatMap(o =>
      [o, ...o.querySelectorAll('pre, table, div')]
        .filter(e => e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 2)
        .map(e => `${e.tagName} ${e.scrollWidth} px in ${e.clientWidth} px: ` +
                  o.innerText.slice(0, 60).replace(/\\s+/g, ' '))),
    // code boxes whose lines do not fit (tests/test_notebooks_meta.py checks the sources)
    wideCode: Array.from(document.querySelectorAll('div.cell_input pre'))
      .filter(e => e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 2)
      .map(e => `${e.scrollWidth} px in ${e.clientWidth} px: ` + e.innerText.slice(0, 60).replace(/\\s+/g, ' ')),
  };
}"""

# Images may be lazy; ask for all of them and wait until each has loaded or failed.
LOAD_IMAGES_JS = """() => Promise.all(Array.from(document.images).map(i => {
  i.loading = 'eager';
  return i.decode().catch(() => null);
}))"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output readable
        pass


@pytest.fixture(scope="module")
def server():
    if not (HTML / "index.html").exists():
        pytest.fail(f"no built book at {HTML.relative_to(ROOT)}: run `make book` first (`make test` does)")
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def redirect_target(path):
    """Where a page's <meta http-equiv="Refresh"> points, relative to _build/html, or None."""
    match = re.search(r'http-equiv="Refresh"\s+content="\d+;\s*url=([^"]+)"', (HTML / path).read_text(), re.I)
    return (Path(path).parent / match.group(1)).as_posix() if match else None


def wait_for_mathjax(page):
    """Return once MathJax (when the page loads it) has typeset the page and its fonts are ready."""
    if page.locator('script[src*="mathjax/"]').count():
        page.wait_for_function("() => window.MathJax && window.MathJax.startup && window.MathJax.startup.promise")
        page.evaluate("() => window.MathJax.startup.promise.then(() => document.fonts.ready).then(() => true)")


def open_page(browser, server, path, name):
    """Open one page offline, wait for MathJax, take the screenshot; return (state, problems)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    outside, failed_local, js_errors = [], [], []

    def route(r):
        url = r.request.url
        if urlparse(url).hostname == "127.0.0.1" or url.startswith(("data:", "blob:")):
            r.continue_()
        else:
            outside.append(url)
            r.abort()

    context.route("**/*", route)
    page.on("pageerror", lambda exc: js_errors.append(str(exc)))
    page.on("response", lambda resp: resp.status >= 400 and not resp.url.endswith("/favicon.ico")
            and failed_local.append(f"{resp.status} {resp.url}"))
    try:
        page.goto(f"{server}/{path}", wait_until="load")
        target = redirect_target(path)
        if target:  # jupyter-book's index.html only redirects to the root page: check that page
            page.wait_for_url(f"{server}/{target}", wait_until="load")
        wait_for_mathjax(page)
        page.evaluate(LOAD_IMAGES_JS)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        state = page.evaluate(PAGE_STATE_JS)
        state["url"] = page.url
    finally:
        context.close()
    problems = []
    if outside:
        problems.append(f"requests outside 127.0.0.1 (the book must work offline): {sorted(set(outside))}")
    if failed_local:
        problems.append(f"failed local requests: {failed_local}")
    if js_errors:
        problems.append(f"JavaScript errors: {js_errors}")
    if state["mathErrors"]:
        problems.append(f"{state['mathErrors']} MathJax error(s)")
    if state["mathUntypeset"]:
        problems.append(f"math left as raw TeX: {state['mathUntypeset']}")
    if state["traceback"] or state["errorOutputs"] or state["stderrErrors"]:
        problems.append(f"Python error output: traceback={state['traceback']}, error outputs="
                        f"{state['errorOutputs']}, stderr with 'Error': {state['stderrErrors']}")
    if state["objectReprs"]:
        problems.append(f"Python object reprs in the text (a glue role that cannot show the value): "
                        f"{state['objectReprs']}")
    if state["wideOutputs"]:
        problems.append(f"outputs wider than the text column at 1280 px: {state['wideOutputs']}")
    if state["wideCode"]:
        problems.append(f"code wider than its box at 1280 px: {state['wideCode']}")
    if state["brokenImages"]:
        problems.append(f"images that did not load: {state['brokenImages']}")
    return state, problems


@pytest.fixture(scope="module")
def rendered(browser, server):
    """open_page, once per page for the whole module."""
    cache = {}

    def get(path, name):
        if path not in cache:
            assert (HTML / path).exists(), f"{path} was not built"
            cache[path] = open_page(browser, server, path, name)
        return cache[path]

    return get


@pytest.mark.parametrize("name,path", PAGES, ids=[name for name, _ in PAGES])
def test_page_renders_offline_without_errors(rendered, name, path):
    _, problems = rendered(path, name)
    assert not problems, f"{path}:\n  " + "\n  ".join(problems)


def test_index_links_every_chapter_and_renders_math(rendered):
    state, _ = rendered("index.html", "index")
    linked = {urlparse(u).path for u in state["links"]}
    missing = [doc for doc in toc_files() if f"/{doc}.html" not in linked]
    assert not missing, f"index.html (landing on {state['url']}) does not link {missing}"
    assert state["mathRendered"] > 0, "no MathJax output (mjx-container) on the index page"


def test_pages_name_no_path_of_the_building_machine():
    # published pages are read elsewhere: data sources and caches are named by their directory
    # ($NTKLC_DATA_DIR, ~/.cache/ntklc-book, ...), never by where this machine keeps them
    from ntklc_lib.datasets import resolve_data_dir
    from ntklc_lib.features import resolve_cache_dir

    local = {"the repository": str(ROOT), "the data directory": str(resolve_data_dir()),
             "the cache directory": str(resolve_cache_dir())}
    found = [f"{path} names {what} ({where})" for _, path in PAGES for what, where in local.items()
             if where in (HTML / path).read_text(encoding="utf-8")]
    assert not found, "\n".join(found)


# Window widths at which no page may be wider than the window.  sphinx-book-theme 1.3 widens
# full-width cells into the right margin from 992 px on, but shows that margin only from 1200 px; in
# between, figures and captions ran off the right edge (book/_static/ntklc.css fixes it).  1100 is a
# 1366 px laptop screen at 125 % zoom; 390 a phone.
WINDOW_WIDTHS = (390, 800, 992, 1100, 1199, 1200, 1600)

OVERFLOW_JS = """() => {
  const W = document.documentElement.clientWidth;
  // what sticks out of the text (the secondary sidebar below 1200 px is a drawer, hidden off-screen)
  const sticking = Array.from(document.querySelectorAll('article *'))
    .filter(e => e.getClientRects().length && e.getBoundingClientRect().right > W + 1
                 && !(e.parentElement && e.parentElement.getBoundingClientRect().right > W + 1))
    .map(e => `${e.tagName.toLowerCase()}.${String(e.className).split(' ').slice(0, 2).join('.')}` +
              ` to ${Math.round(e.getBoundingClientRect().right)} px`);
  return {width: W, pageWidth: document.documentElement.scrollWidth, sticking: sticking.slice(0, 5)};
}"""


def offline_context(browser, width: int):
    """A browser context with a window `width` px wide that lets requests to 127.0.0.1 through and
    aborts every other one."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.route("**/*", lambda r: r.continue_() if urlparse(r.request.url).hostname == "127.0.0.1"
                  else r.abort())
    return context


def test_no_page_is_wider_than_the_window(browser, server):
    """At each width of WINDOW_WIDTHS, no page scrolls sideways: nothing sticks out of the window."""
    problems = []
    for width in WINDOW_WIDTHS:
        context = offline_context(browser, width)
        page = context.new_page()
        try:
            for _, path in PAGES:
                page.goto(f"{server}/{redirect_target(path) or path}", wait_until="load")
                wait_for_mathjax(page)
                state = page.evaluate(OVERFLOW_JS)
                # the reader's symptom: the page scrolls sideways (an equation wider than its box
                # scrolls inside that box instead, which is fine)
                if state["pageWidth"] > state["width"]:
                    problems.append(f"{path} at {width} px: page {state['pageWidth']} px wide; "
                                    f"sticking out: {state['sticking']}")
        finally:
            context.close()
    assert not problems, "\n".join(problems)


# chapters with exercises: (page path, number of exercises in the source)
EXERCISE_PAGES = [(f"notebooks/{md.stem}.html", count) for md in notebook_sources()
                  if (count := md.read_text(encoding="utf-8").count("{exercise}"))]


def test_exercise_solutions_are_folded_and_open_to_a_checked_answer(browser, server):
    """A reader sees each exercise, not its solution; a click on the solution's bar shows its code and
    the output of that code (the check that ran when the book was built)."""
    assert EXERCISE_PAGES, "no chapter has exercises ({exercise} blocks)"
    problems = []
    context = offline_context(browser, 1280)
    page = context.new_page()
    try:
        for path, expected in EXERCISE_PAGES:
            page.goto(f"{server}/{path}", wait_until="load")
            exercises, solutions = page.locator("div.exercise.admonition"), page.locator("div.solution.admonition")
            if exercises.count() != expected or solutions.count() != expected:
                problems.append(f"{path}: {exercises.count()} exercises and {solutions.count()} solutions "
                                f"rendered, the source has {expected} exercises")
                continue
            for k in range(expected):
                solution = solutions.nth(k)
                code = solution.locator("div.cell_input")
                if code.count() == 0:
                    problems.append(f"{path}: solution {k + 1} holds no code cell")
                    continue
                button = solution.locator("button.toggle-button")
                if code.first.is_visible() or button.count() != 1:
                    problems.append(f"{path}: solution {k + 1} is not folded when the page loads "
                                    f"({button.count()} fold buttons)")
                    continue
                button.click()
                if not code.first.is_visible():
                    problems.append(f"{path}: solution {k + 1} stays closed after a click on its button")
                if not solution.locator("div.cell_output").count():
                    problems.append(f"{path}: solution {k + 1} shows no output of its code")
    finally:
        context.close()
    assert not problems, "\n".join(problems)
