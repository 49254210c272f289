"""`rtlog report` pages in a real browser: Debian's headless Chromium driven by Playwright
(`.ci/run` installs the browser; no browser is downloaded at run time). One browser for the
module. What must hold: the page loads without a console error or a network request, the
numbers it shows are `summary --json`'s, the waveform and the turns are there, clicking a
turn (or pressing Enter on it) moves the audio's currentTime to the turn, embedded audio
plays, a log full of hostile strings executes nothing, and the page fits a phone's width.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import orjson
import pytest
from conftest import EXAMPLES, run_cli
from report_pages import hostile_log, json_path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install '.[test]')")
if not os.path.exists(CHROMIUM):
    pytest.skip("no Chromium here (.ci/run installs Debian's chromium package)", allow_module_level=True)

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required"]  # fmt: skip


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("report")
    ga = EXAMPLES / "ga_session.jsonl"
    run_cli("report", ga, "-o", d / "ga.html", stderr=None)
    run_cli("report", ga, "-o", d / "ga-embed.html", "--audio", "embed", stderr=None)
    run_cli("report", hostile_log(d), "-o", d / "hostile.html", "--audio", "embed", stderr=None)
    run_cli("report", EXAMPLES, "-o", d / "fleet", "--audio", "none", stderr=None)
    return {"ga": d / "ga.html", "embed": d / "ga-embed.html", "hostile": d / "hostile.html", "index": d / "fleet" / "index.html",
            "summary": d / "summary.json"}  # fmt: skip


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


class Opened:
    def __init__(self, browser, path: Path, **kw) -> None:  # type: ignore[no-untyped-def]
        self.ctx = browser.new_context(**kw)
        self.page = self.ctx.new_page()
        self.console: list[tuple[str, str]] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: self.console.append((m.type, m.text)))
        self.page.on("pageerror", lambda e: self.console.append(("pageerror", str(e))))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.goto(path.as_uri())
        self.page.wait_for_load_state("load")

    def close(self) -> None:
        self.ctx.close()


def _open(browser, path: Path, **kw) -> Opened:  # type: ignore[no-untyped-def]
    return Opened(browser, path, **kw)


def _until(page, expr: str, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    """Poll `expr` (wait_for_function evaluates a string, which the page's CSP forbids)."""
    import time

    end = time.monotonic() + timeout
    while not page.evaluate(expr):
        assert time.monotonic() < end, f"timed out waiting for {expr}"
        page.wait_for_timeout(50)


def _wait_audio(page) -> None:  # type: ignore[no-untyped-def]
    _until(page, "document.getElementById('player').readyState >= 1")


def _now(page) -> float:  # type: ignore[no-untyped-def]
    return float(page.evaluate("document.getElementById('player').currentTime"))


def test_page_loads_clean_with_turns_and_a_waveform(browser, pages) -> None:  # type: ignore[no-untyped-def]
    o = _open(browser, pages["ga"], viewport={"width": 1280, "height": 900})
    try:
        _wait_audio(o.page)
        assert o.console == []
        assert o.requests == [pages["ga"].as_uri(), pages["ga"].with_suffix(".wav").as_uri()]  # the page and its WAV, nothing else
        assert o.page.locator("li.turn").count() == 5
        # the waveform: drawn pixels in the user lane and in the assistant lane
        drawn = o.page.evaluate("""() => { const c = document.getElementById('tl-canvas'), r = devicePixelRatio;
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;  // (one read-back)
            const count = (y, h) => { let n = 0; for (let row = y * r; row < (y + h) * r; row++)
                for (let x = 0; x < c.width; x++) if (d[(row * c.width + x) * 4 + 3] > 200) n++; return n; };
            return [count(20, 54), count(78, 54)]; }""")
        assert drawn[0] > 2000 and drawn[1] > 2000, drawn
        # zoom: twice as wide, scrollable, and back
        width = o.page.evaluate("document.getElementById('tl-scroll').clientWidth")
        o.page.click("button[data-zoom='in']")
        assert o.page.evaluate("document.getElementById('tl-spacer').offsetWidth") == 2 * width
        assert o.page.locator("#tl-info").text_content().startswith("zoom 2×")
        o.page.evaluate("document.getElementById('tl-scroll').scrollLeft = 10000")
        # scrolled to the end (the scroll handler runs after this call returns: wait for it, 5 s at most)
        _until(o.page, "document.getElementById('tl-info').textContent.endsWith('– 0:19.1 of 0:19.1')", timeout=5)
        o.page.click("button[data-zoom='fit']")
        assert o.page.evaluate("document.getElementById('tl-spacer').offsetWidth") == width
        assert o.console == []
    finally:
        o.close()


def test_the_numbers_shown_are_summary_json(browser, pages) -> None:  # type: ignore[no-untyped-def]
    summary = orjson.loads(run_cli("summary", "--json", EXAMPLES / "ga_session.jsonl").stdout)
    o = _open(browser, pages["ga"])
    try:
        shown = o.page.evaluate("""() => [...document.querySelectorAll('[data-k]')].map(e =>
            [e.dataset.k, JSON.parse(e.dataset.v), e.innerText, e.getClientRects().length > 0])""")
        assert len(shown) >= 19
        for key, value, text, visible in shown:
            assert value == json_path(summary, key), key
            assert visible and text.strip(), key
        by_key = {k: t for k, _, t, _ in shown}
        assert (by_key["cost_usd"], by_key["latency_ms.p50"], by_key["user_turns"]) == ("$0.0219", "538 ms", "4")
    finally:
        o.close()


def test_clicking_a_turn_seeks_and_plays_the_audio(browser, pages) -> None:  # type: ignore[no-untyped-def]
    o = _open(browser, pages["ga"])
    try:
        page = o.page
        _wait_audio(page)
        turn3 = page.locator("#turn-3")
        start = float(turn3.get_attribute("data-start"))
        assert start == pytest.approx(11.131, abs=0.001)  # the user's speech in turn 3, on the timeline
        turn3.locator(".when").click()
        assert start - 0.01 <= _now(page) < start + 0.5  # (it plays on from there)
        assert "sel" in (turn3.get_attribute("class") or "")
        _until(page, f"document.getElementById('player').currentTime > {start + 0.2}")  # it plays
        page.evaluate("document.getElementById('player').pause()")
        # the keyboard: focus turn 1, ↓ to turn 2, Enter plays it
        page.locator("#turn-1").focus()
        page.keyboard.press("ArrowDown")
        assert page.evaluate("document.activeElement.id") == "turn-2"
        page.keyboard.press("Enter")
        t2 = float(page.locator("#turn-2").get_attribute("data-start"))
        assert t2 == pytest.approx(5.551, abs=0.001)
        assert t2 - 0.01 <= _now(page) < t2 + 0.5
        assert o.console == []
    finally:
        o.close()


def test_embedded_audio_plays_and_seeks_without_the_wav(browser, pages) -> None:  # type: ignore[no-untyped-def]
    o = _open(browser, pages["embed"])
    try:
        page = o.page
        _wait_audio(page)
        assert page.evaluate("document.getElementById('player').src").startswith("blob:")
        assert page.evaluate("document.getElementById('player').duration") == pytest.approx(19.1, abs=0.05)
        page.locator("#turn-4 .when").click()
        t4 = float(page.locator("#turn-4").get_attribute("data-start"))
        assert t4 - 0.01 <= _now(page) < t4 + 0.5
        assert [u for u in o.requests if not u.startswith("blob:")] == [pages["embed"].as_uri()]
        assert o.console == []
    finally:
        o.close()


def test_the_hostile_page_executes_nothing(browser, pages) -> None:  # type: ignore[no-untyped-def]
    o = _open(browser, pages["hostile"])
    try:
        page = o.page
        page.wait_for_timeout(300)
        assert o.dialogs == []
        assert o.console == []  # a blocked inline script or handler would be a CSP error here
        assert page.evaluate("document.scripts.length") == 3  # audio, data, the page's own script
        assert page.evaluate("[...document.querySelectorAll('*')].some(e => [...e.attributes].some(a => a.name.startsWith('on')))") is False
        assert page.evaluate("document.querySelectorAll('img, svg, iframe, object, embed').length") == 0
        assert page.title().startswith('call <img src=x onerror=alert(6)> "q".jsonl')
        assert page.evaluate("document.body.innerText").count("<script>alert(1)</script>") >= 10
        assert page.locator("li.turn").count() == 5
        # the timeline's tooltip writes a tool's hostile name as text
        page.locator("#tl-canvas").scroll_into_view_if_needed()
        box = page.locator("#tl-canvas").bounding_box()
        x = page.evaluate("""() => { const d = JSON.parse(document.getElementById('rtlog-data').textContent);
            const c = document.getElementById('tl-canvas'); return d.lanes.tools[0][0] / d.duration * c.clientWidth; }""")
        page.mouse.move(box["x"] + x + 1, box["y"] + 136 + 9)
        tip = page.locator("#tl-tip")
        assert "<script>alert(1)</script>" in tip.text_content()
        assert page.evaluate("document.getElementById('tl-tip').children.length") == 0
        assert o.dialogs == [] and o.console == []
    finally:
        o.close()


def test_narrow_dark_and_print(browser, pages, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    shots = Path(os.environ.get("RTLOG_SCREENSHOTS", tmp_path))
    o = _open(browser, pages["ga"], viewport={"width": 390, "height": 800}, color_scheme="dark")
    try:
        page = o.page
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # nothing sticks out on a phone
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(15, 19, 24)"
        page.screenshot(path=str(shots / "report-narrow-dark.png"), full_page=True)
        page.emulate_media(media="print", color_scheme="light")
        assert page.evaluate("getComputedStyle(document.querySelector('.tl-controls')).display") == "none"
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
        assert o.console == []
    finally:
        o.close()
    o = _open(browser, pages["ga"], viewport={"width": 1280, "height": 900})
    try:
        _wait_audio(o.page)
        o.page.screenshot(path=str(shots / "report.png"), full_page=True)
        assert (shots / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    finally:
        o.close()


def test_the_index_sorts_worst_first_and_by_column(browser, pages) -> None:  # type: ignore[no-untyped-def]
    o = _open(browser, pages["index"])
    try:
        page = o.page
        rows = page.evaluate("[...document.querySelectorAll('#fleet tbody tr')].map(r => r.cells[0].innerText)")
        # errors first (beta and ga have one each, ulaw none), then interruptions, then cost (beta's is higher)
        assert [Path(r).name for r in rows] == ["beta_session.jsonl", "ga_session.jsonl", "ulaw_session.jsonl"]
        page.locator("button[data-col='6']").click()  # cost, descending
        costs = page.evaluate("[...document.querySelectorAll('#fleet tbody tr')].map(r => JSON.parse(r.cells[6].dataset.v))")
        known = [c for c in costs if c is not None]
        assert known == sorted(known, reverse=True) and costs[: len(known)] == known
        assert o.console == []
    finally:
        o.close()
