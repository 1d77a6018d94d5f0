"""Fictional resident rows for tests, the import benchmark and demos (never real people).

IDs are made the way the demo builder makes them: a birth area valid in the birth year, the
birth date, a sequence number whose parity gives the gender, and the ``cn.ric`` check digit.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

from stdnum.cn import ric

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉兰文凤云飞鹏辉波宁欣怡浩然子轩梓涵"
AREA = "110101"  # 东城区: valid for every birth year we generate


def make_id(birth: dt.date, seq: int, *, male: bool | None = None) -> str:
    """A valid 18-digit ID for ``birth``; ``seq`` (0–499) keeps IDs on one day apart."""
    number = seq * 2 + 1 if male is None or male else seq * 2 + 2
    body = f"{AREA}{birth:%Y%m%d}{number % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def unique_ids(count: int, *, seed: int = 1) -> Iterator[str]:
    """``count`` distinct valid IDs (one per birth day and sequence)."""
    rng = random.Random(seed)
    start = dt.date(1940, 1, 1)
    for i in range(count):
        day, seq = divmod(i, 450)
        birth = start + dt.timedelta(days=day)
        yield make_id(birth, seq, male=rng.random() < 0.5)


def fake_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def fake_phone(rng: random.Random, used: set[str]) -> str:
    while True:
        phone = rng.choice(["138", "139", "150", "186", "189"]) + f"{rng.randrange(10**8):08d}"
        if phone not in used:
            used.add(phone)
            return phone


# ~6% 中共党员 (China's share: 99M of 1.4G), some 共青团员, the rest 群众.
POLITICAL_BY_ROW = ["中共党员"] + ["群众"] * 6 + ["共青团员"] + ["群众"] * 9


def resident_rows(places: list[tuple[str, str, str]], count: int, *, seed: int = 1) -> Iterator[list[Any]]:
    """Rows in template order for (compound, building, unit) addresses, ~2.5 people per room."""
    rng = random.Random(seed)
    used: set[str] = set()
    relations = ["户主", "配偶", "子女", "父母", "子女"]
    for i, id_number in enumerate(unique_ids(count, seed=seed)):
        compound, building, unit = places[(i // 5) % len(places)]
        member = i % 5 if i % 10 < 5 else min(i % 5, 2)
        room = f"{(i // (5 * len(places))) % 30 + 1}0{(i // (5 * len(places) * 30)) % 9 + 1}"
        yield [
            fake_name(rng),
            id_number,
            fake_phone(rng, used) if member < 3 else "",
            compound,
            building,
            unit,
            room,
            relations[member],
            rng.choice(["常住", "常住", "常住", "户籍", "流动"]),
            "独居老人" if rng.random() < 0.03 else "",
            POLITICAL_BY_ROW[i % len(POLITICAL_BY_ROW)],  # from the row number: the rng's draws stay as they were
        ]
