"""Deadlines and periods as the documents write them, read as date ranges.

"trước ngày 20/12/2025" and "hoàn thành trước 30/11" are one day; "trong tháng 01/2026",
"tháng 10/2025" a month; "quý I/2026" a quarter; "6 tháng đầu năm 2026" a half; "năm 2026"
and "đến năm 2030" a year; "nhiệm kỳ 2025-2030" a term. A day or month written without its
year takes the year of `reference` (the task's period or the document's date), the next one
when that would put it well before the reference ("trước 10/1" in a December notice).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from rag.models import TaskView
from rag.text import fold

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_SLACK = timedelta(days=45)  # how far before its reference a yearless date may fall and stay in that year


@dataclass(frozen=True)
class DateRange:
    start: date
    end: date  # the last day: what a reminder counts down to

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"{self.end} before {self.start}")


@dataclass(frozen=True)
class Window:
    """What a reminder asks for: tasks due from `today` to `days` ahead, and those overdue by
    at most `overdue_days` (older ones are history, not reminders); optionally of some units."""

    today: date
    days: int = 7
    overdue_days: int = 30
    units: tuple[str, ...] = ()  # canonical unit names; empty: every unit

    def holds(self, due: DueTask) -> bool:
        """Due within the window; overdue only when a deadline was written (the end of a period
        passing is no lateness to chase every day for a month)."""
        end = due.due.end
        earliest = self.today if due.from_period else self.today - timedelta(days=self.overdue_days)
        return earliest <= end <= self.today + timedelta(days=self.days)


@dataclass(frozen=True)
class DueTask:
    task: TaskView
    due: DateRange
    written: str  # the deadline (or period) as the document writes it
    from_period: bool  # no deadline was written: the end of the task's period is its due date

    def days_left(self, today: date) -> int:
        return (self.due.end - today).days


def _month(year: int, month: int) -> DateRange:
    return DateRange(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))


def _year_of(found: str | None, reference: date | None) -> int | None:
    if found:
        year = int(found)
        return year if year >= 100 else 2000 + year
    return reference.year if reference else None


def _roll(made: DateRange, reference: date | None, year_given: bool) -> DateRange:
    """A yearless range well before its reference belongs to the next year."""
    if year_given or reference is None or made.end >= reference - _SLACK:
        return made
    start, end = made.start, made.end
    try:
        return DateRange(start.replace(year=start.year + 1), end.replace(year=end.year + 1))
    except ValueError:  # 29/2
        return DateRange(start + timedelta(days=365), end + timedelta(days=365))


_YEAR = r"(?:\s*(?:/|-|\s+nam\s+)\s*((?:19|20)?\d\d)\b)?"
_DAY = re.compile(r"\b(\d{1,2})\s*[/.-]\s*(\d{1,2})" + r"(?:\s*[/.-]\s*((?:19|20)?\d\d))?\b")
_DAY_WORDS = re.compile(r"\bngay\s+(\d{1,2})\s+thang\s+(\d{1,2})(?:\s+nam\s+((?:19|20)\d\d))?\b")
_MONTH = re.compile(r"\bthang\s+(\d{1,2})\b" + _YEAR)
_QUARTER = re.compile(r"\bquy\s+(iv|iii|ii|i|[1-4])\b" + _YEAR)
_HALF = re.compile(r"\b(6|9|3)\s+thang\s+(dau|cuoi)\s+nam\b(?:\s+((?:19|20)\d\d))?")
_TERM = re.compile(r"\bnhiem\s+ky\s+((?:19|20)\d\d)\s*[-–]\s*((?:19|20)\d\d)\b")
_YEAR_ONLY = re.compile(r"\bnam\s+((?:19|20)\d\d)\b")


def parse(text: str | None, reference: date | None = None) -> DateRange | None:
    """The range a deadline or period names; None when it names none (or needs a year that
    neither it nor `reference` gives)."""
    if not text:
        return None
    folded = fold(text).replace("\u2013", "-")
    try:
        return _parse(folded, reference)
    except ValueError:  # 31/2, tháng 13: not a date
        return None


def _parse(folded: str, reference: date | None) -> DateRange | None:
    if m := _TERM.search(folded):
        return DateRange(date(int(m[1]), 1, 1), date(int(m[2]), 12, 31))
    for pattern in (_DAY_WORDS, _DAY):
        if (m := pattern.search(folded)) and not _is_month_year(folded, m):
            year = _year_of(m[3], reference)
            if year is None:
                return None
            try:
                day = date(year, int(m[2]), int(m[1]))
            except ValueError:  # 29/2 of the reference's year: the next leap day, if any
                if m[3] or int(m[2]) != 2:
                    raise
                day = date(year + 1, 2, int(m[1]))
            return _roll(DateRange(day, day), reference, bool(m[3]))
    if m := _HALF.search(folded):
        year = _year_of(m[3], reference)
        if year is None:
            return None
        months = int(m[1])
        first, last = (1, months) if m[2] == "dau" else (13 - months, 12)
        return DateRange(_month(year, first).start, _month(year, last).end)
    if m := _MONTH.search(folded):
        year = _year_of(m[2], reference)
        if year is None or not 1 <= int(m[1]) <= 12:
            return None
        return _roll(_month(year, int(m[1])), reference, bool(m[2]))
    if m := _QUARTER.search(folded):
        year = _year_of(m[2], reference)
        if year is None:
            return None
        quarter = _ROMAN[m[1]]
        made = DateRange(_month(year, 3 * quarter - 2).start, _month(year, 3 * quarter).end)
        return _roll(made, reference, bool(m[2]))
    if m := _YEAR_ONLY.search(folded):
        return DateRange(date(int(m[1]), 1, 1), date(int(m[1]), 12, 31))
    return None


def _is_month_year(folded: str, m: re.Match[str]) -> bool:
    """ "tháng 10/2025" is a month, not the 10th of a twentieth month."""
    return m.re is _DAY and folded[: m.start()].rstrip().endswith(("thang", "quy"))


def reference_of(*written: str | None) -> date | None:
    """The first date these give (ISO dates "2025-09-16", "2025-09", "2025", or periods such as
    "quý III/2025"): the start of its range, for a yearless deadline to take its year from."""
    for text in written:
        if not text:
            continue
        if m := re.fullmatch(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", text.strip()):
            return date(int(m[1]), int(m[2] or 1), int(m[3] or 1))
        found = parse(text)
        if found is not None:
            return found.start
    return None


def due_date(task: TaskView, doc_date: str | None, doc_period: str | None) -> DueTask | None:
    """When a task is due: its deadline; without one, the end of its period when that is at
    most a year long (a term of office is no deadline)."""
    reference = reference_of(task.period, doc_date, doc_period)
    if task.deadline and (found := parse(task.deadline, reference)):
        return DueTask(task, found, task.deadline, False)
    found = parse(task.period, reference_of(doc_date, doc_period))
    if found is not None and (found.end - found.start).days <= 366:
        return DueTask(task, found, task.period or "", True)
    return None
