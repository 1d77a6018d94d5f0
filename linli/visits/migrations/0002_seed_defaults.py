from django.db import migrations
from django.utils.translation import gettext_noop

# The seeds' checklists (texts stored in Chinese; gettext_noop only marks them for translation when shown): 六查 (001: 查人员、查事件、查民生、查疑虑、查风险、查灾情) and 三看 (三看三上门).
TEMPLATES = [
    (
        "six_checks",
        gettext_noop("六查六反馈"),
        gettext_noop("查人员、查事件、查民生、查疑虑、查风险、查灾情"),
        [
            ("people", gettext_noop("查人员:家庭成员、居住变化")),
            ("events", gettext_noop("查事件:矛盾纠纷、异常情况")),
            ("welfare", gettext_noop("查民生:生活困难、救助需求")),
            ("doubts", gettext_noop("查疑虑:政策疑问、意见建议")),
            ("risks", gettext_noop("查风险:安全隐患、消防燃气")),
            ("disaster", gettext_noop("查灾情:房屋漏水、汛期险情")),
        ],
    ),
    (
        "three_looks",
        gettext_noop("三看三上门"),
        gettext_noop("看生活、看健康、看需求"),
        [
            ("living", gettext_noop("看生活:饮食起居、居住环境")),
            ("health", gettext_noop("看健康:身体状况、就医用药")),
            ("needs", gettext_noop("看需求:服务需求、求助事项")),
        ],
    ),
]

# Configurable defaults from the seeds (004: 班子成员每周至少走访10户; 网格员定期走访).
RULES = [
    ("community_secretary", "week", "count", 10),
    ("community_staff", "week", "count", 10),
    ("grid_worker", "quarter", "cover", 0),
    ("grid_worker", "month", "cover_key", 0),
]


def seed(apps, schema_editor):
    Template = apps.get_model("visits", "ChecklistTemplate")
    Rule = apps.get_model("visits", "QuotaRule")
    for sort, (code, name, description, items) in enumerate(TEMPLATES):
        Template.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "description": description,
                "items": [{"key": k, "label": label} for k, label in items],
                "sort": sort * 10,
            },
        )
    for kind, period, mode, target in RULES:
        Rule.objects.get_or_create(position_kind=kind, period=period, mode=mode, defaults={"target": target})


def unseed(apps, schema_editor):
    apps.get_model("visits", "ChecklistTemplate").objects.filter(code__in=[t[0] for t in TEMPLATES]).delete()
    apps.get_model("visits", "QuotaRule").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("visits", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
