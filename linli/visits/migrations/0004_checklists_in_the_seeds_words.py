"""The seeded checklists in seed 001's own words (珠晖区 "三看三上门、六查六反馈" 微行动).

0002 shipped 六查 with two checks renamed (查福祉 as 查民生; 查疑难 — "可疑的人与事" — as 查疑虑, policy
questions) and a "三看" of 看生活/看健康/看需求, which is not the seed's: its 三看 looks at places — key sites
(markets, internet cafés), public areas (streets, back lanes) and construction sites. Those household
questions stay, under the honest name 关爱走访.

A checklist's items never change once visits use them (the checklists page says so: old visits keep the items
they were recorded with). So each seeded checklist is rewritten in place only while no visit uses it and it is
still as 0002 left it; otherwise it is switched off and the seed's version is added beside it under a new code.
The texts are stored in Chinese; gettext_noop only marks them for translation when shown.
"""

from django.db import migrations
from django.utils.translation import gettext_noop

OLD = {
    "six_checks": ["people", "events", "welfare", "doubts", "risks", "disaster"],
    "three_looks": ["living", "health", "needs"],
}
OLD_NAMES = {"six_checks": "六查六反馈", "three_looks": "三看三上门"}

NEW = {
    "six_checks": (
        gettext_noop("六查六反馈"),
        gettext_noop("查人员、查事件、查福祉、查疑难、查风险、查灾情;向上级、当事人、群众反馈"),
        [
            ("people", gettext_noop("查人员:重点人群、困难人群、信访人群,人员流入流出")),
            ("events", gettext_noop("查事件:辖区大事、要事、群众关心的事")),
            ("welfare", gettext_noop("查福祉:居民政策待遇落实情况")),
            ("suspicious", gettext_noop("查疑难:可疑的人与事")),
            ("risks", gettext_noop("查风险:辖区风险点")),
            ("disaster", gettext_noop("查灾情:可能发生灾情的隐患点")),
        ],
    ),
    "three_looks": (
        gettext_noop("三看"),
        gettext_noop("看重点场所、看公共区域、看建设现场(巡查时用)"),
        [
            ("key_sites", gettext_noop("看重点场所:市场、网吧等人口集中场所的经营状况")),
            ("public_areas", gettext_noop("看公共区域:主次干道、背街小巷的人居环境")),
            ("construction", gettext_noop("看建设现场:重点项目、施工工地的进展情况")),
        ],
    ),
}

CARE_VISIT = (
    "care_visit",
    gettext_noop("关爱走访"),
    gettext_noop("看生活、看健康、看需求(独居、高龄、困难等关爱对象)"),
    [
        ("living", gettext_noop("看生活:饮食起居、居住环境")),
        ("health", gettext_noop("看健康:身体状况、就医用药")),
        ("needs", gettext_noop("看需求:服务需求、求助事项")),
    ],
)


def _items(pairs):
    return [{"key": key, "label": label} for key, label in pairs]


def forwards(apps, schema_editor):
    Template = apps.get_model("visits", "ChecklistTemplate")
    Visit = apps.get_model("visits", "Visit")
    for code, (name, description, items) in NEW.items():
        old = Template.objects.filter(code=code).first()
        if old is None:
            continue  # removed by an administrator: nothing of the seed's to put right
        untouched = old.name == OLD_NAMES[code] and [i.get("key") for i in old.items] == OLD[code]
        if untouched and not Visit.objects.filter(template=old).exists():
            old.name, old.description, old.items = name, description, _items(items)
            old.save(update_fields=["name", "description", "items"])
        elif not Template.objects.filter(code=f"{code}_001").exists():
            old.active = False
            old.save(update_fields=["active"])
            Template.objects.create(
                code=f"{code}_001", name=name, description=description, items=_items(items), sort=old.sort + 1
            )
    code, name, description, items = CARE_VISIT
    Template.objects.get_or_create(
        code=code, defaults={"name": name, "description": description, "items": _items(items), "sort": 30}
    )


class Migration(migrations.Migration):
    dependencies = [("visits", "0003_quota_reminder")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
