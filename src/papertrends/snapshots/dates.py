"""Dates as digests write them, and the rules that decide a digest's date.

A digest's date comes from, in order: a date the user gave; a date in the file name; the digest date in the
page's front matter; the page's header ("Jan 9", no year); the JSON's own date; the capture date a saving tool
wrote in the page's header or front matter (`retrieved:`, `Captured (UTC):`, `FETCHED:` ...); the file's
modification time (with a warning).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from papertrends.snapshots.model import DigestDate

_MONTHS = {
    m: i
    for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)
}
_MONTH = r"(?P<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"

# "Jun 17, 2024", "Jul 10", "Jul 10 4" (4 upvotes), "Oct 2, 2025 2": a year always follows a comma.
PUBLISHED_LINE = re.compile(_MONTH + r" (?P<day>\d{1,2})(?:, (?P<year>\d{4}))?(?: (?P<upvotes>\d{1,7}))?$")
HEADER_LINE = re.compile(_MONTH + r" (?P<day>\d{1,2})$")
_FILENAME_DATE = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)-?(?P<m>[01]\d)-?(?P<d>[0-3]\d)(?!\d)")


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A month and day, with the year when the page printed one."""

    month: int
    day: int
    year: int | None = None

    def in_year(self, year: int) -> date | None:
        try:
            return date(year, self.month, self.day)
        except ValueError:  # Feb 29 in a year that has none
            return None

    def latest_not_after(self, limit: date) -> date | None:
        """The latest day with this month and day on or before `limit` (for dates printed without a year)."""
        if self.year is not None:
            return self.in_year(self.year)
        for year in range(limit.year, limit.year - 8, -1):
            day = self.in_year(year)
            if day is not None and day <= limit:
                return day
        return None


def parse_partial(match: re.Match[str]) -> PartialDate | None:
    month = _MONTHS[match["mon"][:3].lower()]
    day = int(match["day"])
    year = int(match["year"]) if match.groupdict().get("year") else None
    probe = PartialDate(month, day, year).in_year(year or 2024)  # 2024 is a leap year: Feb 29 is valid
    return PartialDate(month, day, year) if probe else None


def date_from_filename(name: str) -> date | None:
    """2025-01-09, 20250109 or 2025_01_09 anywhere in the file name."""
    for match in _FILENAME_DATE.finditer(name.replace("_", "-")):
        try:
            return date(int(match["y"]), int(match["m"]), int(match["d"]))
        except ValueError:
            continue
    return None


def _iso_day(value: str) -> date | None:
    match = re.match(r"\s*(\d{4}-\d{2}-\d{2})", value)
    if match is None:
        return None
    try:
        return date.fromisoformat(match.group(1))
    except ValueError:
        return None


def front_matter_date(fields: dict[str, str]) -> date | None:
    """The digest's own date: `date: 2025-01-09` or a saved-from URL with `?date=2025-01-09` (or
    `/papers/date/2025-01-09`)."""
    for key in ("date", "digest_date", "digest date"):
        day = _iso_day(fields.get(key, ""))
        if day is not None:
            return day
    url = " ".join(fields.get(k, "") for k in ("url", "source", "source url", "source_url", "url source"))
    match = re.search(r"date[=/](\d{4}-\d{2}-\d{2})", url)
    return _iso_day(match.group(1)) if match else None


# When the page was saved, as capture tools write it in their header or front matter.
CAPTURE_FIELDS = (
    "captured",
    "captured (utc)",
    "captured at",
    "capture date",
    "retrieved",
    "retrieved at",
    "fetched",
    "accessed",
    "scraped",
    "scraped at",
    "saved",
    "saved at",
    "clipped",
    "downloaded",
    "timestamp",
    "created",
    "created_at",
)  # not `exported:`: a notebook's export date says when the copy left the notebook, not when the page was seen


def capture_date(fields: dict[str, str]) -> tuple[date, str] | None:
    """The day the page was captured, and the field that says so."""
    for key in CAPTURE_FIELDS:
        day = _iso_day(fields.get(key, ""))
        if day is not None:
            return day, key
    return None


def infer_header_year(header: PartialDate, listed: list[PartialDate], mtime: datetime | None) -> tuple[date, str]:
    """Give a header date such as "Jan 9" its year.

    Pages print a paper's year only when it is not the page's own year, so the digest falls on or after the
    newest paper printed with a year, and after every such year when some dates were printed without one.
    The earliest header day meeting both is taken: it depends on the page alone, not on when the file was
    copied. With no dated papers the latest such day not after the file's time is taken.
    """
    with_year = [d.in_year(d.year) for d in listed if d.year is not None]
    newest = max((d for d in with_year if d is not None), default=None)
    if newest is not None:
        floor_year = newest.year + 1 if any(d.year is None for d in listed) else newest.year
        for year in range(floor_year, floor_year + 9):
            day = header.in_year(year)
            if day is not None and day >= newest:
                return day, f"year inferred from the newest listed paper ({newest.isoformat()})"
    if mtime is not None:
        day = header.latest_not_after(mtime.date())
        if day is not None:
            return day, f"year inferred from the file time ({mtime.date().isoformat()})"
    raise ValueError("no year can be inferred for the header date")


def decide_digest_date(
    *,
    explicit: date | None,
    filename: str,
    header: PartialDate | None,
    listed: list[PartialDate],
    page_date: date | None = None,
    captured: tuple[date, str] | None = None,
    json_date: date | None,
    mtime: datetime | None,
) -> DigestDate | None:
    """Apply the rules in order; None when nothing dates the digest. A header day whose year only the file's time
    gives, and the file's time itself, are uncertain (`DigestDate.certain`)."""
    if explicit is not None:
        return DigestDate(explicit, "explicit", "given by the user")
    from_name = date_from_filename(filename)
    if from_name is not None:
        return DigestDate(from_name, "filename", "date in the file name")
    if page_date is not None:
        return DigestDate(page_date, "header", "date in the snapshot's front matter")
    if header is not None:
        try:
            when = datetime(*captured[0].timetuple()[:3]) if captured is not None else mtime
            day, note = infer_header_year(header, listed, when)
            by_file_time = captured is None and note.startswith("year inferred from the file time")
            return DigestDate(day, "header-mtime" if by_file_time else "header", note)
        except ValueError:
            pass
    if json_date is not None:
        return DigestDate(json_date, "json", "the JSON's own date")
    if captured is not None:
        return DigestDate(captured[0], "capture", f"the capture date in the page's header ({captured[1]}:)")
    if mtime is not None:
        return DigestDate(mtime.date(), "mtime", "no date in the name or the page: the file's modification time")
    return None
