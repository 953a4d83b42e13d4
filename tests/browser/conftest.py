"""Browser tests: Playwright for Python driving Debian's chromium (never a downloaded one).

Every request the page makes is recorded (``page.route("**/*")``) so the tests can assert
that nothing leaves 127.0.0.1; screenshots go to ``test-artifacts/`` (gitignored).
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import pyarrow as pa
import pytest

CHROMIUM = os.environ.get("PAYBACK_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
NASTY = "<script>alert(1)</script>"


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"no chromium at {CHROMIUM}: install Debian's package (apt-get install chromium) "
            f"or point PAYBACK_CHROMIUM at one; deselect with -m 'not browser'"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Recorder:
    """Every URL a page asked for, and every JavaScript dialog it opened."""

    def __init__(self) -> None:
        self.urls: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []

    def foreign(self) -> list[str]:
        """Requests to anything but 127.0.0.1 (file:, data: and blob: stay on this machine)."""
        out = []
        for url in self.urls:
            parsed = urlparse(url)
            if parsed.scheme in ("file", "data", "blob", "about"):
                continue
            if parsed.hostname != "127.0.0.1":
                out.append(url)
        return out


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    # the dashboard computes its views cold; on a loaded CI machine (the other test worker
    # busy on the second core) that takes longer than Playwright's default 30 s
    context.set_default_timeout(120_000)
    p = context.new_page()
    rec = Recorder()

    def route(r):
        rec.urls.append(r.request.url)
        if urlparse(r.request.url).hostname not in (None, "", "127.0.0.1"):
            r.abort()  # a foreign request is recorded (and fails the test), never sent
        else:
            r.continue_()

    p.route("**/*", route)
    p.on("dialog", lambda d: (rec.dialogs.append(d.message), d.dismiss()))
    p.on("pageerror", lambda e: rec.errors.append(str(e)))
    p.recorder = rec
    yield p
    context.close()


@pytest.fixture
def screenshot():
    """``screenshot(page, "name.png")`` saves a full-page PNG under test-artifacts/."""

    def shoot(page, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / name
        page.screenshot(path=str(path), full_page=True)
        return path

    return shoot


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory):
    """A small demo shop plus one campaign whose name is markup."""
    from payback.demo import generate_shop
    from payback.store import open_store

    path = tmp_path_factory.mktemp("browser") / "shop.duckdb"
    shop = generate_shop(300, seed=11)
    last = max(shop.ad_stats["date"].to_pylist())
    hostile = pa.table({
        "date": [last - dt.timedelta(days=1)], "platform": ["google"], "campaign": [NASTY],
        "keyword": ["<b>bold</b>"], "impressions": [100], "clicks": [10], "cost": [25.0],
        "currency": [shop.ad_stats["currency"][0].as_py()],
    })  # fmt: skip
    with open_store(path) as store:
        store.write(shop.tables, meta={"base_currency": hostile["currency"][0].as_py()})
        store.write({"ad_stats": hostile})
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server_url(demo_db):
    """The dashboard served by uvicorn in a thread on 127.0.0.1 and a free port."""
    import uvicorn

    from payback.server import create_app

    port = _free_port()
    config = uvicorn.Config(
        create_app(demo_db), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the dashboard server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
