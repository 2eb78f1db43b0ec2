"""Download daily digests from the Hugging Face daily papers API into the snapshot folder.

Transient failures (429, 5xx, a cut-off body, invalid JSON, a dropped connection) are retried with exponential
backoff, honouring Retry-After. A file appears only whole (temporary file, then rename); days already on disk
are skipped; a day with no digest (weekends) writes nothing.
"""

from __future__ import annotations

import http.client
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from papertrends.config import FetchConfig
from papertrends.files import atomic_write

log = logging.getLogger(__name__)


class FetchError(RuntimeError):
    """A day could not be fetched; says which and why."""


class _Transient(Exception):
    def __init__(self, reason: str, wait: float = 0.0) -> None:
        super().__init__(reason)
        self.wait = wait


@dataclass
class FetchResult:
    fetched: list[date] = field(default_factory=list)
    skipped: list[date] = field(default_factory=list)  # already on disk
    empty: list[date] = field(default_factory=list)  # the API had no digest that day
    failed: list[tuple[date, str]] = field(default_factory=list)


def days(start: date, end: date) -> Iterator[date]:
    for n in range((end - start).days + 1):
        yield start + timedelta(days=n)


def _retry_after(value: str | None) -> float:
    try:
        return min(float(value), 300.0) if value else 0.0
    except ValueError:
        return 0.0


def _get(url: str, timeout: float) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": "papertrends", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
    except urllib.error.HTTPError as e:
        if e.code == 429 or 500 <= e.code < 600:
            raise _Transient(f"HTTP {e.code}", _retry_after(e.headers.get("Retry-After"))) from e
        raise FetchError(f"HTTP {e.code} from {url}") from e
    except (http.client.IncompleteRead, http.client.RemoteDisconnected, ConnectionError, TimeoutError) as e:
        raise _Transient(f"connection broke off: {type(e).__name__}") from e
    except urllib.error.URLError as e:
        raise _Transient(f"cannot reach {url}: {e.reason}") from e
    try:
        doc = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise _Transient(f"invalid JSON ({len(body)} bytes): {e}") from e
    if not isinstance(doc, list | dict):
        raise _Transient(f"JSON {type(doc).__name__} where a list of papers was expected")
    return body


def fetch_day(day: date, config: FetchConfig, sleep: Callable[[float], None] = time.sleep) -> bytes:
    url = f"{config.base_url}?{urllib.parse.urlencode({'date': day.isoformat()})}"
    reason = ""
    for attempt in range(config.retries + 1):
        try:
            return _get(url, config.timeout_seconds)
        except _Transient as e:
            reason = str(e)
            if attempt < config.retries:
                wait = max(e.wait, config.backoff_seconds * 2**attempt)
                log.info("%s: %s; retrying in %.1fs", day, reason, wait)
                sleep(wait)
    raise FetchError(f"{day}: gave up after {config.retries + 1} tries: {reason}")


def fetch_range(
    start: date, end: date, folder: Path, config: FetchConfig, sleep: Callable[[float], None] = time.sleep
) -> FetchResult:
    if end < start:
        raise ValueError(f"--to {end} is before --from {start}")
    folder.mkdir(parents=True, exist_ok=True)
    result = FetchResult()
    for day in days(start, end):
        target = folder / f"{day.isoformat()}.json"
        if target.exists():
            result.skipped.append(day)
            continue
        try:
            body = fetch_day(day, config, sleep)
        except FetchError as e:
            result.failed.append((day, str(e)))
            continue
        doc = json.loads(body)
        if not (doc.get("data") if isinstance(doc, dict) else doc):
            result.empty.append(day)
            continue
        atomic_write(target, body)
        result.fetched.append(day)
    return result
