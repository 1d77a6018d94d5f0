"""Write ``requests.csv``: a labelled set of community requests for tests, the demo and the docs' figures.

    .venv/bin/python linli/routing/data/make_requests.py

Deterministic (seeded). Each hand-written core complaint (``cores.py``) appears two or three times, each
time in different surroundings: an address or none, a greeting, when it started, a closing plea, a
colloquial ending, sometimes a typo of the kind phones make (的/得, 在/再, 反映/反应 …), sometimes cut
short. Column ``组`` names the core, so evaluation can hold out whole cores (no wording seen in training
appears in the test split). The columns are those ``import_tickets`` reads: 标题, 内容, 分类, 时间, 小区, 地址.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

try:
    from linli.routing.data.cores import CORES, TITLES
except ImportError:  # run as a script from the repository root
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
    from linli.routing.data.cores import CORES, TITLES

OUT = Path(__file__).with_name("requests.csv")
COMPOUNDS = [
    "幸福里小区", "梧桐苑", "青年公寓", "和平新村", "金色家园", "翠竹园", "光明小区", "东风里",
    "锦绣花园", "长江新村", "桂花园", "紫荆苑", "红旗小区", "滨湖花园",
]  # fmt: skip
OPENERS = [
    "",
    "",
    "",
    "你好,",
    "您好!",
    "社区你们好,",
    "反映个问题:",
    "网格员你好 ",
    "领导好,",
    "麻烦问一下,",
    "我想反映一下,",
]
WHEN = ["", "", "", "最近一周", "从上个月开始", "今天早上", "这几天", "已经好久了,", "昨天晚上", "每年都这样,"]
CLOSERS = [
    "", "", "", "麻烦尽快处理", "都反映好几次了!!", "谢谢!", "请给个说法", "希望社区重视一下", "急急急",
    "不处理我就打12345了", "盼回复", "辛苦了", "拜托了。", "什么时候能解决?", "请派人来看看",
]  # fmt: skip
TYPOS = [
    ("的", "得"),
    ("在", "再"),
    ("反映", "反应"),
    ("已经", "以经"),
    ("一直", "一只"),
    ("处理", "处里"),
    ("麻烦", "麻繁"),
]


def _address(rng: random.Random, compound: str) -> str:
    building, unit, room = rng.randint(1, 30), rng.randint(1, 6), rng.randint(1, 18) * 100 + rng.randint(1, 4)
    return rng.choice(
        [
            f"{compound}{building}号楼{unit}单元{room}",
            f"{compound}{building}栋",
            f"{compound}东门",
            f"{compound}{building}号楼",
            f"{compound}北区",
        ]
    )


def _text(rng: random.Random, core: str, address: str) -> str:
    if rng.random() < 0.2 and "," in core:
        core = core.split(",")[0]  # said in a hurry
    where = ""
    if address and rng.random() < 0.6:
        where = rng.choice([f"我是{address}的住户,", f"{address}:", f"地址{address},", f"{address} "])
    opener = rng.choice(OPENERS)
    when = rng.choice(WHEN)
    stop = rng.choice([",", "。", "!", " ", ""])
    text = f"{opener}{where}{when}{core}{stop}{rng.choice(CLOSERS)}"
    if rng.random() < 0.25:
        wrong, typo = rng.choice(TYPOS)
        text = text.replace(wrong, typo, 1)
    if rng.random() < 0.1:
        text = text.replace(",", " ").replace("。", " ")
    return text.strip()


def build(seed: int = 2026) -> list[dict[str, str]]:
    rng = random.Random(seed)
    rows: list[dict[str, str]] = []
    start = dt.datetime(2025, 1, 1, 8, 0)
    group = 0
    for path, cores in CORES.items():
        for core in cores:
            group += 1
            for _ in range(rng.choice([2, 2, 3, 3, 3])):
                compound = rng.choice(COMPOUNDS)
                address = _address(rng, compound)
                title = rng.choice(TITLES[path] + [core[:8], core[:12]])
                at = start + dt.timedelta(minutes=rng.randint(0, 600 * 24 * 60))
                rows.append(
                    {
                        "标题": title,
                        "内容": _text(rng, core, address),
                        "分类": path,
                        "时间": at.strftime("%Y-%m-%d %H:%M"),
                        "小区": compound,
                        "地址": address,
                        "组": str(group),
                    }
                )
    rng.shuffle(rows)
    return rows


def main() -> None:
    rows = build()
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} rows → {OUT}")


if __name__ == "__main__":
    main()
