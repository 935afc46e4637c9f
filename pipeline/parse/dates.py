"""Danish dates and clock times. dateparser reads words; numeric forms and ranges are ours."""
from __future__ import annotations

import re
from datetime import date
from functools import lru_cache


_MONTHS = {"januar": 1, "februar": 2, "marts": 3, "april": 4, "maj": 5, "juni": 6, "juli": 7, "august": 8,
           "september": 9, "oktober": 10, "november": 11, "december": 12,
           "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
           "okt": 10, "nov": 11, "dec": 12}
WORD_DATE = re.compile(r"(\d{1,2})\.?\s*(?:-\s*\d{1,2}\.\s*)?(" + "|".join(sorted(_MONTHS, key=len, reverse=True))
                        + r")\.?\s+(\d{4})", re.IGNORECASE)
NUM_DATE = re.compile(r"(?<!\d)(\d{1,2})[.\-/](\d{1,2})[.\-/](\d{4}|\d{2})(?!\d)")
ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_TIME = re.compile(r"(?<![\d.,])([01]?\d|2[0-3])[.:](\d{2})(?![\d.,]\d)")
_WHOLE_HOUR = re.compile(r"\bkl\.?\s*([01]?\d|2[0-3])(?![\d.:,]\d|\d)(?:\s*[.,]?(?=\s|$|-|–))", re.IGNORECASE)
_TIME_CONTEXT = re.compile(r"\bkl\.?\s*", re.IGNORECASE)


def _safe(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


@lru_cache(maxsize=4096)
def parse_danish_date(text: str) -> date | None:
    """First date in `text`: '6. september 2021', 'mandag den 6. sep. 2021', '04.12.2012', '09-05-2022'."""
    match = WORD_DATE.search(text)
    if match:
        found = _safe(int(match.group(3)), _MONTHS[match.group(2).lower()], int(match.group(1)))
        if found:
            return found
    match = ISO_DATE.search(text)
    if match:
        found = _safe(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if found:
            return found
    match = NUM_DATE.search(text)
    if match:
        year = int(match.group(3))
        year = year + 2000 if year < 100 else year
        found = _safe(year, int(match.group(2)), int(match.group(1)))
        if found:
            return found
    if not re.search(r"\d{4}", text):
        return None  # dateparser would anchor a year-less text to today
    import dateparser  # imported on first need: most dates are read by the patterns above

    parsed = dateparser.parse(text, languages=["da"], settings={"STRICT_PARSING": True,
                                                                 "REQUIRE_PARTS": ["day", "month", "year"]})
    return parsed.date() if parsed else None


def parse_times(text: str) -> list[str]:
    """Clock times in `text` as HH:MM, in order ('kl. 15.00-16.15' -> ['15:00', '16:15'])."""
    scope = text
    context = _TIME_CONTEXT.search(text)
    if context:
        scope = text[context.start():]
    else:
        # without "kl." only accept times that cannot be dates or amounts
        scope = re.sub(r"\d{1,2}\.\s*\w+\s+\d{4}|\d{1,2}[.\-/]\d{1,2}[.\-/]\d{2,4}", " ", text)
    found = [(match.start(), f"{int(match.group(1)):02d}:{match.group(2)}")
             for match in _TIME.finditer(scope) if int(match.group(2)) < 60]
    # "kl. 16" without minutes
    found += [(match.start(), f"{int(match.group(1)):02d}:00") for match in _WHOLE_HOUR.finditer(scope)]
    return [time for _, time in sorted(found)]
