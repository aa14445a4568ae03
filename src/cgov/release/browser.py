"""The built site in a real browser: a local HTTP server that gzips like a web host, and Debian's
headless Chromium driven by Playwright. Shared by the browser tests and ``cgov bench``."""
from __future__ import annotations

import gzip
import mimetypes
import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

from cgov.paths import ROOT

#: Debian's Chromium (``apt-get install chromium``); Playwright's own browser downloads fail offline.
CHROMIUM = Path(os.environ.get("CHROME_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
NODE_MODULES = ROOT / "node_modules"
AXE = NODE_MODULES / "axe-core" / "axe.min.js"
LIGHTHOUSE = NODE_MODULES / ".bin" / "lighthouse"
#: Types a web server compresses; images and woff/woff2 fonts are compressed already.
COMPRESSED_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml")


class _GzipHandler(SimpleHTTPRequestHandler):
    """Static files, gzipped when the browser accepts it and the type is text."""

    def do_GET(self) -> None:
        path = Path(self.translate_path(self.path))
        kind = mimetypes.guess_type(path.name)[0] or ""
        if (not path.is_file() or "gzip" not in self.headers.get("Accept-Encoding", "")
                or not kind.startswith(COMPRESSED_TYPES)):
            return super().do_GET()
        body = gzip.compress(path.read_bytes(), compresslevel=6)
        self.send_response(200)
        self.send_header("Content-Type", kind + ("; charset=utf-8" if kind.startswith("text/") else ""))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args) -> None:  # noqa: A002 - the base class's name
        pass


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 (a free port) from a thread; yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_GzipHandler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def launch(playwright):
    """Start Debian's headless Chromium; fails loudly (no skip) when it is not installed."""
    if not CHROMIUM.is_file():
        raise FileNotFoundError(f"{CHROMIUM} is missing: run `make system-deps` (Debian package chromium)")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


@dataclass
class PageLoad:
    """What the browser did to show one page."""

    url: str
    transferred: int = 0  # bytes over the wire, headers excluded, gzip where the server gzips
    requests: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # requests that failed or got an HTTP error
    console_errors: list[str] = field(default_factory=list)

    def outside(self, base: str) -> list[str]:
        """Requests to anywhere but the local server (data: URLs are inside the page)."""
        host = urlsplit(base).netloc
        return [u for u in self.requests
                if urlsplit(u).scheme not in ("data", "blob") and urlsplit(u).netloc != host]


def open_page(context, url: str, settle_ms: int = 300):
    """Open ``url`` in a new tab and record its requests and console errors; returns (page, PageLoad)."""
    page = context.new_page()
    load, finished = PageLoad(url), []
    page.on("request", lambda request: load.requests.append(request.url))
    page.on("requestfinished", lambda request: finished.append(request))
    page.on("requestfailed", lambda request: load.failed.append(request.url))
    page.on("response", lambda response: response.status >= 400
            and load.failed.append(f"{response.status} {response.url}"))
    page.on("console", lambda msg: msg.type == "error" and load.console_errors.append(msg.text))
    page.on("pageerror", lambda error: load.console_errors.append(str(error)))
    page.goto(url, wait_until="load")
    page.wait_for_timeout(settle_ms)  # late requests (fonts, deferred scripts)
    load.transferred = sum(request.sizes()["responseBodySize"] for request in finished)
    return page, load


def axe_violations(page) -> list[dict]:
    """axe-core's violations on ``page``, all rules that axe enables by default (best practices too).
    Its style-sheet preloading is off: it refetches @import-ed sheets from a wrong URL (a false 404)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => (await axe.run(document, {preload: false})).violations.map("
                           "v => ({id: v.id, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}))")
    return result
