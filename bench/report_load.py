"""Open a report folder's pages in headless Chromium, print each page's load time and size, save screenshots.

    .venv/bin/python bench/report_load.py reports [test-output/report-screenshots]

The index's headline boxes are also saved alone (headline.png, the README's picture).
Load time: from navigation start until every chart on the page is drawn (the page sets body[data-ready]).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait


def main(folder: Path, shots: Path) -> None:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--window-size=1280,800",
        f"--user-data-dir={tempfile.mkdtemp()}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    shots.mkdir(parents=True, exist_ok=True)
    pages = [
        folder / "index.html",
        *sorted((folder / "topics").glob("*.html"), key=lambda p: int(p.stem)),
        folder / "runs" / "index.html",
    ]
    total = 0.0
    try:
        for page in pages:
            start = time.perf_counter()
            driver.get(page.as_uri())
            WebDriverWait(driver, 120).until(lambda d: d.execute_script("return document.body.dataset.ready"))
            took = time.perf_counter() - start
            total += took
            print(f"{page.relative_to(folder)!s:24} {page.stat().st_size / 1e6:6.2f} MB  {took:6.2f} s")
            if page.stem in ("index", "0"):
                driver.save_screenshot(str(shots / f"{page.parent.name}-{page.stem}.png"))
            if page == folder / "index.html":  # the rising / new / fading boxes alone, as the README shows them
                driver.find_element(By.CSS_SELECTOR, ".headline").screenshot(str(shots / "headline.png"))
    finally:
        driver.quit()
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    latest = size - sum(p.stat().st_size for p in (folder / "runs").rglob("*") if p.is_file())
    print(
        f"{len(pages)} pages, mean load {total / len(pages):.2f} s; folder {size / 1e6:.1f} MB "
        f"({latest / 1e6:.1f} MB without the earlier runs' copies)"
    )


if __name__ == "__main__":
    main(
        Path(sys.argv[1] if len(sys.argv) > 1 else "reports"),
        Path(sys.argv[2] if len(sys.argv) > 2 else "test-output/report-screenshots"),
    )
