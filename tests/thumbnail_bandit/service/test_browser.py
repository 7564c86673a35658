"""From the demo to a page, as the docs go: `make demo`'s log (a short run), `thumbnail-bandit
serve` on a real port, and the page of docs/service.md, as written, in headless Chromium: it
ranks, the image loads from the answer's ``image_url``, the click is reported, and
`thumbnail-bandit learn` learns it."""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import storage
from examples import demo
from tests.private_postgres import free_port
from tests.thumbnail_bandit.service.servers import running_service

pytestmark = pytest.mark.slow
ROOT = Path(__file__).parents[3]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
#: The flags a closed network needs (no background fetches, no first-run work).
QUIET_BROWSER = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _page_from_the_docs(service_url: str, key: str) -> str:
    text = (ROOT / "docs" / "service.md").read_text(encoding="utf-8")
    [snippet] = re.findall(r"^```html\n(.*?)^```", text, flags=re.DOTALL | re.MULTILINE)
    snippet = snippet.replace('"http://127.0.0.1:8080"', f'"{service_url}"')
    snippet = snippet.replace('"tbk_..."', f'"{key}"')
    # The member's click, for the test: once the image has loaded, click it.
    clicker = (
        "<script>new MutationObserver(() => {"
        " if (document.body.dataset.shown) document.getElementById('artwork').click();"
        " }).observe(document.body, {attributes: true});</script>"
    )
    return f"<!doctype html><html><body>{snippet}{clicker}</body></html>"


def _serve_folder(folder: Path, port: int) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_a_page_shows_the_ranked_artwork_reports_the_click_and_it_is_learned(
    tmp_path: Path,
) -> None:
    assert CHROMIUM, "headless Chromium comes from apt-get (make test installs it)"
    out = tmp_path / "demo-output"
    demo.main(["--out", str(out), "--titles", "0", "--impressions", "300", "--quiet"])
    db = out / "log.sqlite"  # the demo's own log, learned
    with storage.open_log(db) as log:
        _, key = log.create_key("site", ["rank"])
    page_port = free_port()
    origin = f"http://127.0.0.1:{page_port}"
    limits = ("--cors-origin", origin, "--reward-window", "1")
    with running_service(str(db), workers=1, tmp=tmp_path, extra=limits) as service:
        site = tmp_path / "site"
        site.mkdir()
        (site / "index.html").write_text(_page_from_the_docs(service.base_url, key))
        pages = _serve_folder(site, page_port)
        try:
            profile = f"--user-data-dir={tmp_path / 'profile'}"
            page = f"{origin}/index.html"
            browser = subprocess.run(
                [
                    CHROMIUM,
                    *QUIET_BROWSER,
                    profile,
                    "--virtual-time-budget=20000",
                    "--dump-dom",
                    page,
                ],
                capture_output=True,
                text=True,
                timeout=120,
            )
        finally:
            pages.shutdown()
    dom = browser.stdout
    shown = re.search(r'data-shown="([^"]+)"', dom)
    rewarded = re.search(r'data-rewarded="([^"]+)"', dom)
    assert shown and rewarded, (dom[-2000:], browser.stderr[-2000:])
    event_id = shown.group(1)
    assert rewarded.group(1) == event_id
    assert f'src="{service.base_url}/artwork/' in dom  # loaded from the answer's image_url
    with storage.open_log(db) as log:
        reward = log.reward(event_id)
        assert reward is not None and reward.value == 1.0 and not reward.late
    time.sleep(1.5)  # the reward window of the trial
    learned = subprocess.run(
        [str(Path(sys.executable).parent / "thumbnail-bandit"), "learn", "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert learned.returncode == 0 and "learned 1," in learned.stdout, learned.stderr
    with storage.open_log(db) as log:
        [joined] = [row for row in log.joined() if row.event_id == event_id]
        assert joined.reward == 1.0  # the page's click, learned
