"""What the ``chinesecalendar`` package knows, as plain tuples (used by the seed migration and command).

The package is updated after each State Council notice; a year it does not know yet raises
``NotImplementedError`` inside the package, so we only ever ask for years it lists.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import chinese_calendar
from chinese_calendar.constants import Holiday

# The package names holidays in English; the calendar shows them in Chinese.
CHINESE_NAMES: dict[str, str] = {
    Holiday.new_years_day.value: "元旦",
    Holiday.spring_festival.value: "春节",
    Holiday.tomb_sweeping_day.value: "清明节",
    Holiday.labour_day.value: "劳动节",
    Holiday.dragon_boat_festival.value: "端午节",
    Holiday.national_day.value: "国庆节",
    Holiday.mid_autumn_festival.value: "中秋节",
    Holiday.anti_fascist_70th_day.value: "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


def package_years() -> list[int]:
    """Years the installed package has a published calendar for."""
    return sorted({d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays})


@cache
def package_year_set() -> frozenset[int]:
    return frozenset(package_years())


def package_days(year: int) -> list[tuple[dt.date, str, str]]:
    """(date, "holiday"|"workday", Chinese name) for every override the package lists in ``year``."""
    rows: list[tuple[dt.date, str, str]] = []
    for kind, table in (("holiday", chinese_calendar.holidays), ("workday", chinese_calendar.workdays)):
        for day, name in table.items():
            if day.year == year:
                rows.append((day, kind, CHINESE_NAMES.get(str(name), str(name))[:50]))
    return sorted(rows)
