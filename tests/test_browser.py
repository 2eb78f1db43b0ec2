"""The report in a real browser (Debian's Chromium, headless, driven by selenium and the system chromedriver).

A hostile corpus (tests/hostile/) is ingested end to end with the samples; every page must load with no console
error and no request outside file://, draw its charts, show scraped text as text, open no dialog and create no
link but the report's own. Screenshots land in test-output/screenshots/.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLES, preload_embeddings

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SHOTS = ROOT / "test-output" / "screenshots"
HOSTILE = Path(__file__).parent / "hostile"
HOSTILE_TITLE = '<script>alert("title")</script> Graph Networks for Molecules'
ALLOWED_LINKS = ("file://", "https://arxiv.org/abs/", "https://huggingface.co/papers/")

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="Debian's chromium and chromium-driver are not installed: `make test` installs them",
)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory, prefect_harness: None, sample_vectors) -> Path:
    from flows.update import update_flow

    tmp = tmp_path_factory.mktemp("browser")
    folder = tmp / "snapshots"
    shutil.copytree(SAMPLES, folder)
    shutil.copy(HOSTILE / "2025-11-03.txt", folder)
    db = tmp / "pt.duckdb"
    preload_embeddings(db, sample_vectors)
    overrides = {"snapshots": {"folder": folder}, "store": {"path": db}, "report": {"folder": tmp / "reports"}}
    update_flow(overrides=overrides, progress=False)
    (folder / "2025-11-04.txt").write_text((HOSTILE / "2025-11-03.txt").read_text().replace("Nov 3", "Nov 4"))
    update_flow(overrides=overrides, progress=False)  # a second run: the changes section and the runs index
    return tmp / "reports"


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        "--window-size=1280,800",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium')}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def _open(driver, page: Path) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get_log("performance")  # drop what earlier pages logged
    driver.get_log("browser")
    driver.get(page.as_uri())
    WebDriverWait(driver, 60).until(lambda d: d.execute_script("return document.body.dataset.ready === 'true'"))


def _requests(driver) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent" and message["params"].get("documentURL", "").startswith(
            "file://"
        ):  # what the report's pages asked for (Chromium's own chrome:// pages are no network)
            urls.append(message["params"]["request"]["url"])
    return urls


def _no_dialog(driver) -> bool:
    from selenium.common.exceptions import NoAlertPresentException

    try:
        driver.switch_to.alert.dismiss()
    except NoAlertPresentException:
        return True
    return False


def test_every_page_loads_offline_draws_its_charts_and_keeps_text_as_text(report: Path, browser) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    pages = sorted(report.rglob("*.html"))
    assert len(pages) >= 10
    for page in pages:
        _open(browser, page)
        assert _no_dialog(browser), page
        errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
        assert errors == [], (page, errors)
        outside = [u for u in _requests(browser) if not u.startswith(("file://", "data:", "blob:"))]
        assert outside == [], (page, outside)
        drawn = browser.execute_script(
            "return Array.from(document.querySelectorAll('[data-figure]')).map(d => "
            "[d.id, !!(d.data && d.data.length && d.querySelector('.main-svg'))]);"
        )
        assert all(ok for _, ok in drawn), (page, drawn)
        links = browser.execute_script("return Array.from(document.querySelectorAll('a')).map(a => a.href);")
        assert all(link.startswith(ALLOWED_LINKS) for link in links), (page, links)
        assert browser.execute_script("return document.querySelectorAll('svg a, svg script').length") == 0
        assert browser.execute_script("return document.querySelectorAll('img, iframe, object, embed').length") == 0
    texts = []
    for page in sorted((report / "topics").glob("*.html")):
        _open(browser, page)
        texts.append(browser.execute_script("return document.body.innerText"))
    shown = "\n".join(texts)
    _open(browser, report / "index.html")
    browser.save_screenshot(str(SHOTS / "index.png"))
    # Plotly shows a hover text's entities as characters: decode them as it does, then look for the literal.
    on_map = browser.execute_script(
        """const el = document.createElement('textarea');
           return document.getElementById('fig-map').data.map(t => [t.name, t.text.map(x => {
             el.innerHTML = x; return el.value; })]);"""
    )
    outliers = [t for name, texts in on_map if name.startswith("unassigned") for t in texts]
    mapped = [t for _, texts in on_map for t in texts]
    for literal in (
        HOSTILE_TITLE,
        '<img src=x onerror=alert("img")> Vision Transformers Without Labels',
        '&lt;script&gt;alert("entity")&lt;/script&gt; Entity-Encoded Retrieval',
        'Click [here](javascript:alert("md")) for Reinforcement Learning Agents',
        '<span style="color:red">Red</span> Team Attacks on Language Models',
    ):
        assert literal in mapped, literal  # every paper is on the map, its title literal
        assert literal in shown or literal in outliers, literal  # and on its topic's page unless it has none
    assert '<script>alert("org")</script> Evil Org' in shown or any("Bold</b> Claims" in t for t in outliers)


def test_hover_on_the_topic_map_shows_the_title_as_text(report: Path, browser) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.support.ui import WebDriverWait

    _open(browser, report / "index.html")
    div = browser.find_element("id", "fig-map")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", div)
    # Where the paper's point is, in pixels from the chart's centre, as a user's mouse would find it.
    offset = browser.execute_script(
        """const div = arguments[0], L = div._fullLayout, box = div.getBoundingClientRect();
           for (let c = 0; c < div.data.length; c++) {
             const p = div.data[c].text.findIndex(t => t.indexOf('Graph Networks for Molecules') >= 0);
             if (p < 0) continue;
             const x = L._size.l + L.xaxis.l2p(div.data[c].x[p]), y = L._size.t + L.yaxis.l2p(div.data[c].y[p]);
             return [Math.round(x - box.width / 2), Math.round(y - box.height / 2)];
           }
           return null;""",
        div,
    )
    assert offset is not None
    ActionChains(browser).move_to_element_with_offset(div, *offset).pause(0.3).perform()
    hover_text = "return (document.querySelector('#fig-map .hoverlayer') || {}).textContent || ''"
    WebDriverWait(browser, 10).until(lambda d: d.execute_script(hover_text))
    hover = browser.execute_script(hover_text)
    assert '<script>alert("title")</script> Graph Networks for Molecules' in hover, hover
    assert _no_dialog(browser)
    browser.save_screenshot(str(SHOTS / "index-hover.png"))


def test_the_topic_table_sorts(report: Path, browser) -> None:
    _open(browser, report / "index.html")
    header = browser.find_element("css selector", "#topic-table th:nth-child(3)")
    sizes = (
        "return Array.from(document.querySelectorAll('#topic-table tbody tr')).map(r => +r.children[2].dataset.value);"
    )
    header.click()
    descending = browser.execute_script(sizes)
    assert descending == sorted(descending, reverse=True)
    header.click()
    ascending = browser.execute_script(sizes)
    assert ascending == sorted(ascending) and len(ascending) >= 3
    browser.find_element("css selector", "#topic-table th:nth-child(2)").click()
    rows = "document.querySelectorAll('#topic-table tbody tr')"
    labels = browser.execute_script(f"return Array.from({rows}).map(r => r.children[1].innerText.toLowerCase());")
    assert labels in (sorted(labels), sorted(labels, reverse=True))


def test_window_and_topic_selectors_and_a_topic_page(report: Path, browser) -> None:
    from selenium.webdriver.support.ui import Select

    _open(browser, report / "index.html")
    Select(browser.find_element("id", "window-select")).select_by_value("month")
    browser.implicitly_wait(1)
    assert browser.execute_script("return document.getElementById('fig-stacked').dataset.figure") == "stacked-month"
    Select(browser.find_element("id", "topic-select")).select_by_index(1)
    visible = browser.execute_script("return document.getElementById('fig-lines').data.map(t => t.visible);")
    assert visible[3:6] == [True, True, True] and not any(visible[:3])
    first_topic = browser.find_element("css selector", "#topic-table tbody tr a").get_attribute("href")
    browser.get(first_topic)
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 60).until(lambda d: d.execute_script("return document.body.dataset.ready === 'true'"))
    lines = browser.find_elements("css selector", "#research-lines li[id^=line-]")
    assert len(lines) >= 2  # the largest area of the samples holds research lines, each with its anchor
    traces = browser.execute_script("return document.getElementById('fig-research-lines').data.length")
    assert traces == len(lines)  # one weekly share per line, drawn
    browser.execute_script("document.getElementById('research-lines').scrollIntoView()")
    browser.save_screenshot(str(SHOTS / "research-lines.png"))
    search = browser.find_element("css selector", "input[data-filter=paper-table]")
    total = int(browser.find_element("id", "paper-table-count").text)
    search.send_keys("zzzz-no-such-title")
    assert int(browser.find_element("id", "paper-table-count").text) == 0 < total
    browser.save_screenshot(str(SHOTS / "topic.png"))
    _open(browser, report / "runs" / "index.html")
    assert len(browser.find_elements("css selector", "#run-table tbody tr")) == 2
    browser.save_screenshot(str(SHOTS / "runs.png"))


@pytest.fixture(scope="module")
def short_report(tmp_path_factory: pytest.TempPathFactory, prefect_harness: None, sample_vectors) -> Path:
    """Two digests eight weeks and two days apart: the status history has one week, the share charts two points."""
    from flows.update import update_flow

    tmp = tmp_path_factory.mktemp("short")
    folder = tmp / "snapshots"
    folder.mkdir()
    for name in ("000_0b59495500438832.txt", "004_290da2b1a9fff3c8.txt"):
        shutil.copy(SAMPLES / name, folder)
    db = tmp / "pt.duckdb"
    preload_embeddings(db, sample_vectors)
    dates = {"000_0b59495500438832.txt": date(2025, 12, 26)}  # a Friday; the other digest is 2025-10-29
    update_flow(overrides={"snapshots": {"folder": folder, "dates": dates}, "store": {"path": db},
                           "report": {"folder": tmp / "reports"}}, progress=False)  # fmt: skip
    return tmp / "reports"


def test_a_short_history_is_drawn_on_date_axes(short_report: Path, browser) -> None:
    """Plotly's automatic range over one or two dates zooms into fractions of a second ('23:59:59.9996'): every
    time axis on a topic page reads as dates, with the points inside its range."""
    pages = sorted((short_report / "topics").glob("*.html"))
    assert pages
    for page in pages:
        _open(browser, page)
        for figure in ("fig-share", "fig-status"):
            ticks = browser.execute_script(
                f"const f = document.getElementById('{figure}');"
                "return f ? Array.from(f.querySelectorAll('.xtick text')).map(t => t.textContent) : null;"
            )
            if ticks is None:
                continue
            days = [t for t in ticks if re.fullmatch(r"\d{4}-\d{2}-\d{2}|[A-Z][a-z]{2} \d{1,2}(\d{4})?", t)]
            assert ticks and days == ticks and not any(":" in t for t in ticks), (page.name, figure, ticks)
    browser.save_screenshot(str(SHOTS / "topic-short-history.png"))
