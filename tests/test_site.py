"""Open the built HTML book in headless Chromium, with the network off: both editions.

Every page of the TOC, in the English site (``_build/html/``) and in the French one
(``_build/html/fr/``), must load without a JavaScript error, typeset its math (MathJax served
from the build itself), decode every image, make no request that leaves the machine, say its
language (``<html lang>``), and link to the same page in the other edition. Needs a built book
(``make book``) and Chromium; in CI a missing one is a failure, elsewhere a skip that says what
is missing.
"""

from __future__ import annotations

import functools
import html.parser
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from conftest import ROOT, require
from test_chapters import CHAPTERS

HTML = ROOT / "_build" / "html"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

pytestmark = pytest.mark.site

#: One screenshot per part, kept as a CI artefact.
SCREENSHOTS = ROOT / "_build" / "screenshots"
SCREENSHOT_PAGES = {
    "book/intro.html",
    "book/part_a/a3_sigmoid_derivative.html",
    "book/part_b/b10_grad_W2_b2_matrix.html",
    "book/practice/c03_two_circles.html",
    "book/mnist_lab/m04_linear_autoencoder.html",
}


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


#: The editions: (language, folder of its site under _build/html/).
EDITIONS = {"en": "", "fr": "fr/"}


def page_urls() -> list[str]:
    """Relative URLs of the built pages, one per TOC entry (in the English site)."""
    return [str(p.relative_to(ROOT).with_suffix(".html")) for p in CHAPTERS]


def edition_urls() -> list[tuple[str, str]]:
    """``(language, url)`` of every page of both sites."""
    return [
        (language, folder + url) for language, folder in EDITIONS.items() for url in page_urls()
    ]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    require((HTML / "index.html").is_file(), f"no built book at {HTML}: run `make book` first")
    require((HTML / "fr" / "index.html").is_file(), f"no French site in {HTML}/fr: `make book`")
    handler = functools.partial(QuietHandler, directory=str(HTML))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    executable = chromium_path()
    require(executable is not None, "Chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - depends on the environment
        require(False, "the Python package playwright is not installed")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.mark.parametrize(("language", "url"), edition_urls())
def test_page_renders_offline(server: str, browser: object, language: str, url: str) -> None:
    context = browser.new_context()  # type: ignore[attr-defined]
    page = context.new_page()
    outside: list[str] = []
    errors: list[str] = []

    def route(route: object) -> None:
        host = urlparse(route.request.url).hostname  # type: ignore[attr-defined]
        if host in {"127.0.0.1", "localhost"} or route.request.url.startswith("data:"):  # type: ignore[attr-defined]
            route.continue_()  # type: ignore[attr-defined]
        else:
            outside.append(route.request.url)  # type: ignore[attr-defined]
            route.abort()  # type: ignore[attr-defined]

    page.route("**/*", route)
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))

    def on_console(msg: object) -> None:
        if msg.type == "error":  # type: ignore[attr-defined]
            errors.append(f"console error: {msg.text}")  # type: ignore[attr-defined]

    page.on("console", on_console)
    response = page.goto(server + url, wait_until="load")
    assert response is not None and response.ok, f"{url}: HTTP {response and response.status}"

    if page.locator(".math").count() > 0:
        page.wait_for_selector("mjx-container", timeout=20_000)
        raw = page.locator(".math:not(:has(mjx-container))").count()
        assert raw == 0, f"{url}: {raw} math elements were not typeset"

    broken = page.evaluate(
        "Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0))"
        ".map(i => i.src)"
    )
    assert not broken, f"{url}: images that did not load: {broken}"
    assert not outside, f"{url}: requests left the machine: {outside}"
    assert not errors, f"{url}: JavaScript errors: {errors}"

    assert page.evaluate("document.documentElement.lang") == language, f"{url}: <html lang>"
    switch = page.locator("a.language-switch")
    assert switch.count() == 1, f"{url}: {switch.count()} language links"
    other = next(lang for lang in EDITIONS if lang != language)
    counterpart = server + EDITIONS[other] + url.removeprefix(EDITIONS[language])
    assert switch.evaluate("a => a.href") == counterpart, f"{url}: the language link"
    assert switch.get_attribute("hreflang") == other

    if url.removeprefix(EDITIONS[language]) in SCREENSHOT_PAGES:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / (url.replace("/", "_") + ".png")), full_page=False)
    context.close()


@pytest.mark.parametrize("language", list(EDITIONS))
def test_the_language_link_leads_to_the_same_page(
    server: str, browser: object, language: str
) -> None:
    """Clicked, the link opens the same chapter in the other edition (served over HTTP here;
    the link is relative, so it works from the file system too)."""
    url = EDITIONS[language] + "book/practice/c02_loop_minibatch.html"
    other = next(lang for lang in EDITIONS if lang != language)
    context = browser.new_context()  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(server + url, wait_until="load")
    with page.expect_navigation():
        page.locator("a.language-switch").click()
    assert page.url == server + EDITIONS[other] + "book/practice/c02_loop_minibatch.html"
    assert page.evaluate("document.documentElement.lang") == other
    assert page.locator("h1").first.inner_text().startswith("C2.")
    context.close()


LINKING = {("a", "href"), ("img", "src"), ("link", "href"), ("script", "src")}


class LinkCollector(html.parser.HTMLParser):
    """Collect ``href``/``src`` targets and element ids of one HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name == "id":
                self.ids.add(value)
            elif (tag, name) in LINKING:
                self.links.append(value)


def parse_page(path: Path) -> LinkCollector:
    collector = LinkCollector()
    collector.feed(path.read_text(encoding="utf-8"))
    return collector


def test_internal_links_and_anchors_resolve() -> None:
    require((HTML / "index.html").is_file(), f"no built book at {HTML}: run `make book` first")
    # Theme template fragments copied under _static/ (and fr/_static/) are not pages.
    pages = {
        p: parse_page(p) for p in HTML.rglob("*.html") if "_static" not in p.relative_to(HTML).parts
    }
    broken: list[str] = []
    for page, parsed in pages.items():
        for link in parsed.links:
            parts = urlparse(link)
            if parts.scheme or link.startswith(("//", "mailto:", "data:")):
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if not target.exists():
                broken.append(f"{page.relative_to(HTML)} -> {link} (no such file)")
            elif parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else parse_page(target).ids
                if parts.fragment not in ids:
                    broken.append(f"{page.relative_to(HTML)} -> {link} (no such anchor)")
    assert not broken, "broken internal links:\n" + "\n".join(sorted(set(broken)))


@pytest.mark.parametrize(("folder", "word"), [("", "backpropagation"), ("fr/", "rétropropagation")])
def test_search_finds_a_chapter(server: str, browser: object, folder: str, word: str) -> None:
    context = browser.new_context()  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(server + f"{folder}search.html?q={word}", wait_until="load")
    page.wait_for_selector("#search-results li", timeout=20_000)
    assert page.locator("#search-results li").count() > 0
    context.close()
