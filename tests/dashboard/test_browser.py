"""Every page in a real browser: the dashboard served by ``streamlit run`` on a store with a
generated episode, each page loaded in headless Chromium, its DOM checked for Streamlit's
exception box and a screenshot saved (to ``$DASHBOARD_SCREENSHOTS`` when set, else the
test's temp dir).

Chromium is driven over the DevTools protocol rather than with ``--screenshot`` /
``--dump-dom`` and ``--virtual-time-budget``: Streamlit renders over a websocket after the
HTML has loaded, and virtual time does not wait for it (most such loads ended with the
script still ``initial`` or ``running``). Here each page is read once Streamlit reports its
script run finished.

Needs ``/usr/bin/chromium`` (``bash scripts/install-browser.sh``). Skipped without it, except
in CI (``CI`` set), where a missing browser fails the test."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mangaflow.bootstrap import build
from tests.conftest import make_settings
from tests.dashboard.conftest import APP, ROOT, make_episode
from tests.processes import terminate

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1400,1000", "--hide-scrollbars"]  # fmt: skip
#: URL path → text only that page shows once its script has run
PAGES = {
    "": "By request type",
    "runs": "prefect server start",
    "failures": "No failed requests",
    "library": "Page viewer",
    "create": "Create manga",
    "actions": "Write the next episode",
}
#: true once Streamlit's script run has finished and every image has loaded
READY = """(() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return !!app && app.getAttribute('data-test-script-state') === 'notRunning'
    && document.body.innerText.includes(%s)
    && Array.from(document.images).every((img) => img.complete);
})()"""

HEIGHT = """(() => {
  const main = document.querySelector('[data-testid="stMain"]');
  return Math.max(main ? main.scrollHeight : 0, document.body.scrollHeight);
})()"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(check: Any, what: str, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, f"{what} not ready after {timeout:.0f} s"
        time.sleep(0.2)


class Browser:
    """One headless Chromium tab driven over the DevTools protocol."""

    def __init__(self, binary: Path, profile: Path) -> None:
        from websockets.sync.client import connect

        self.proc = subprocess.Popen(
            [str(binary), *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0",
             "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        port_file = profile / "DevToolsActivePort"
        port = _wait(lambda: port_file.is_file() and port_file.read_text().split("\n")[0],
                     "Chromium's DevTools port", 60)  # fmt: skip
        pages = _wait(lambda: [t for t in httpx.get(f"http://127.0.0.1:{port}/json/list").json()
                               if t["type"] == "page"], "a Chromium tab", 30)  # fmt: skip
        self.ws = connect(pages[0]["webSocketDebuggerUrl"], max_size=None, open_timeout=30)
        self.next_id = 0

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv(timeout=60))
            if message.get("id") == self.next_id:
                assert "error" not in message, message
                return dict(message["result"])

    def evaluate(self, expression: str) -> Any:
        return self.call("Runtime.evaluate", expression=expression,
                         returnByValue=True)["result"].get("value")  # fmt: skip

    def load(self, url: str, marker: str, timeout: float = 60) -> tuple[str, bytes]:
        """Open ``url``, wait until Streamlit finished the page; its DOM and a screenshot."""
        self.call("Page.navigate", url=url)
        ready = READY % json.dumps(marker)
        _wait(lambda: self.evaluate(ready), f"{url} (text {marker!r})", timeout)
        dom = self.evaluate("document.documentElement.outerHTML")
        # The whole page in one picture: a window as tall as the main area's content
        # (measured again after each resize until it stops growing).
        height = 0
        for _ in range(4):
            measured = min(int(self.evaluate(HEIGHT) or 0) + 40, 6000)
            if measured <= height:
                break
            height = max(measured, 1000)
            self.call("Emulation.setDeviceMetricsOverride", width=1400, height=height,
                      deviceScaleFactor=1, mobile=False)  # fmt: skip
            time.sleep(0.7)  # relayout and paint
        _wait(lambda: self.evaluate(ready), f"{url} after resizing", timeout)
        png = base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"])
        self.call("Emulation.clearDeviceMetricsOverride")
        return str(dom), png

    def close(self) -> None:
        self.ws.close()
        terminate(self.proc)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing in CI: run `bash scripts/install-browser.sh`")
        pytest.skip(f"{CHROMIUM} is missing (install it with `bash scripts/install-browser.sh`)")
    b = Browser(CHROMIUM, tmp_path_factory.mktemp("chromium-profile"))
    yield b
    b.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``streamlit run`` on loopback with a store holding one generated episode."""
    base = tmp_path_factory.mktemp("dashboard-browser")
    home = base / "home"
    make_episode(build(make_settings(home)), pages=4)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MANGAFLOW_", "PREFECT_API"))}
    env.update(MANGAFLOW_HOME=str(home), PREFECT_HOME=str(base / "prefect"),
               PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1")  # fmt: skip
    log_path = base / "streamlit.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(APP), "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--browser.gatherUsageStats", "false", "--client.toolbarMode", "minimal"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"

        def healthy() -> bool:
            assert proc.poll() is None, log_path.read_text()
            try:
                return httpx.get(f"{url}/_stcore/health", timeout=2).text == "ok"
            except httpx.HTTPError:
                return False

        try:
            _wait(healthy, "streamlit", 90)
            yield url
        finally:
            terminate(proc)


@pytest.mark.parametrize("path", list(PAGES))
def test_page_renders_in_chromium(browser: Browser, server: str, path: str, tmp_path: Path) -> None:
    dom, png = browser.load(f"{server}/{path}", PAGES[path])
    shots = Path(os.environ.get("DASHBOARD_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    (shots / f"{path or 'overview'}.png").write_bytes(png)
    assert "<title>MangaFlow" in dom
    assert 'data-testid="stException"' not in dom and "Traceback" not in dom, dom[-5000:]
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
