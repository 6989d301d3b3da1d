"""Periods of secrecy: canonical forms, the document date (成文日期), and when a period ends."""

from __future__ import annotations

import calendar
import itertools
import re
from datetime import date
from functools import lru_cache

_CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}

_YEARS = re.compile(r"^(?P<n>[\d一二三四五六七八九十两〇零]+)\s*年$")
_YEARS_MONTHS = re.compile(r"^(?P<y>[\d一二三四五六七八九十两〇零]+)\s*年\s*(?P<m>[\d一二三四五六七八九十两〇零]+)\s*个?月$")
_MONTHS = re.compile(r"^(?P<m>[\d一二三四五六七八九十两〇零]+)\s*个?月$")
_DATE_CN = re.compile(r"^(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日$")
_DATE_NUM = re.compile(r"^(?P<y>\d{4})[-./](?P<m>\d{1,2})[-./](?P<d>\d{1,2})$")
_WHITESPACE = re.compile(r"\s+")
_DATE_HAN = re.compile(r"^(?P<y>[〇零一二三四五六七八九]{4})年(?P<m>[一二三四五六七八九十]{1,3})月(?P<d>[一二三四五六七八九十]{1,3})日$")


def cn_number(text: str) -> int | None:
    """10 from '10', '十'; 25 from '二十五'; 2027 from '二〇二七' (digit by digit)."""
    text = text.strip()
    if text.isdigit() and text.isascii():
        return int(text)
    if not text or any(ch not in _CN_DIGITS and ch != "十" for ch in text):
        return None
    if "十" not in text:
        value = 0
        for ch in text:
            value = value * 10 + _CN_DIGITS[ch]
        return value
    tens, _, units = text.partition("十")
    if len(tens) > 1 or len(units) > 1:
        return None
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)


@lru_cache(maxsize=4096)
def parse_date(text: str) -> date | None:
    """A date written as 2027年6月30日, 2027-06-30, 2027.6.30 or 二〇二七年六月三十日 (memoised: a
    document repeats its periods and dates, and the answer depends on the text alone)."""
    text = _WHITESPACE.sub("", text)
    for pattern in (_DATE_CN, _DATE_NUM, _DATE_HAN):
        m = pattern.match(text)
        if m:
            y, mo, d = (cn_number(m.group(k)) for k in ("y", "m", "d"))
            try:
                return date(y, mo, d)
            except (TypeError, ValueError):
                return None
    return None


@lru_cache(maxsize=4096)
def canonical_period(raw: str) -> str:
    """One spelling per period: 十年 → 10年, 2027-06-30 → 2027年6月30日; conditions kept as written
    (memoised, as `parse_date`)."""
    text = _WHITESPACE.sub("", raw)
    day = parse_date(text)
    if day is not None:
        return f"{day.year}年{day.month}月{day.day}日"
    m = _YEARS_MONTHS.match(text)
    if m and cn_number(m.group("y")) is not None and cn_number(m.group("m")) is not None:
        return f"{cn_number(m.group('y'))}年{cn_number(m.group('m'))}个月"
    m = _YEARS.match(text)
    if m and cn_number(m.group("n")) is not None:
        return f"{cn_number(m.group('n'))}年"
    m = _MONTHS.match(text)
    if m and cn_number(m.group("m")) is not None:
        return f"{cn_number(m.group('m'))}个月"
    return text


def add_months(day: date, months: int) -> date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period_end(period: str | None, made: date | None) -> date | None:
    """When a (canonical) period ends: a date as given, or the document date plus years/months.

    None when it cannot be known: 长期, a condition (启用前), or no document date.
    """
    if not period:
        return None
    day = parse_date(period)
    if day is not None:
        return day
    if made is None:
        return None
    m = _YEARS_MONTHS.match(period)
    if m:
        return add_months(made, 12 * int(m.group("y")) + int(m.group("m")))
    m = _YEARS.match(period)
    if m:
        return add_months(made, 12 * int(m.group("n")))
    m = _MONTHS.match(period)
    if m:
        return add_months(made, int(m.group("m")))
    return None


def find_document_date(text: str, pattern: re.Pattern, next_line: re.Pattern | None = None) -> date | None:
    """The document date (成文日期): the last date standing alone on its line.

    `pattern` opens with ^ (multi-line) and holds no line break. `next_line`, the same opening with a
    line break instead, finds the same lines after the first far faster: the regex engine then jumps
    from line break to line break instead of trying every offset.
    """
    found = None
    if next_line is None:
        matches = pattern.finditer(text)
    else:
        first = pattern.match(text)
        matches = itertools.chain(() if first is None else (first,), next_line.finditer(text))
    for m in matches:
        day = parse_date(m.group("date"))
        if day is not None:
            found = day
    return found
