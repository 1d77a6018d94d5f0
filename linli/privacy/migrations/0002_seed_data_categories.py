"""Seed the register of personal-information categories (PIPL Art. 13, 28, 51; 等保 个人信息保护)."""

from django.db import migrations
from django.utils.translation import gettext_noop

CATEGORIES = [
    # code, name, fields, purpose, basis, reference, sensitive, retention, command, erasable
    (
        "ledger_identity",
        gettext_noop("居民台账·身份信息"),
        gettext_noop("姓名、性别、出生日期、身份证号(加密)、与户主关系、居住类型、住址"),
        gettext_noop("社区居民登记、网格化服务管理与公共服务对象识别"),
        "legal_duty",
        gettext_noop("《城市居民委员会组织法》第三条;《户口登记条例》;《个人信息保护法》第十三条第一款第三项"),
        False,
        gettext_noop("迁出后保存3年(LINLI_LEDGER_RETENTION_DAYS),到期匿名化"),
        "purge_ledger",
        False,
    ),
    (
        "contact",
        gettext_noop("联系方式"),
        gettext_noop("手机号(加密)、其他联系电话(加密)、工作单位"),
        gettext_noop("办理诉求回访、走访预约、通知与紧急联系"),
        "legal_duty",
        gettext_noop("《个人信息保护法》第十三条第一款第三项、第四项"),
        False,
        gettext_noop("随居民台账;其他联系电话居民可申请删除"),
        "purge_ledger",
        True,
    ),
    (
        "care_tags",
        gettext_noop("重点人群标签"),
        gettext_noop("独居老人、残疾人、低保户、军烈属、退役军人、信访户、留守儿童等标签"),
        gettext_noop("社会救助、优抚、关爱走访与应急时优先照护"),
        "legal_duty",
        gettext_noop("《个人信息保护法》第二十八条、第二十九条;《社会救助暂行办法》;《军人抚恤优待条例》"),
        True,
        gettext_noop("情形消失即移除;迁出后随台账匿名化"),
        "purge_ledger",
        False,
    ),
    (
        "requests",
        gettext_noop("诉求(接诉即办)"),
        gettext_noop("诉求内容、照片(已去除位置信息)、位置、反映人联系电话(加密)、办理过程与评价"),
        gettext_noop("受理、派单、办理、督办、回访与考核"),
        "legal_duty",
        gettext_noop("《个人信息保护法》第十三条第一款第三项;《北京市接诉即办工作条例》"),
        False,
        gettext_noop("办结后按档案管理规定保存"),
        "",
        False,
    ),
    (
        "visits",
        gettext_noop("走访记录"),
        gettext_noop("走访时间、对象、发现的问题、照片(已去除位置信息)"),
        gettext_noop("入户走访、关爱服务与隐患排查"),
        "legal_duty",
        gettext_noop("《个人信息保护法》第十三条第一款第三项"),
        False,
        gettext_noop("随居民台账"),
        "purge_ledger",
        False,
    ),
    (
        "votes",
        gettext_noop("表决与议事"),
        gettext_noop("业主表决票、签到记录、议事发言"),
        gettext_noop("业主共同决定事项表决(《民法典》第二百七十八条)、居民议事协商"),
        "legal_duty",
        gettext_noop("《民法典》第二百七十八条;《物业管理条例》"),
        False,
        gettext_noop("表决结果公示后按业委会档案保存"),
        "",
        False,
    ),
    (
        "volunteering",
        gettext_noop("志愿服务与积分"),
        gettext_noop("志愿者资料、服务时长、积分流水、微心愿"),
        gettext_noop("志愿服务记录、积分兑换与表彰"),
        "consent",
        gettext_noop("《个人信息保护法》第十三条第一款第一项;《志愿服务条例》第十九条"),
        False,
        gettext_noop("注销志愿者身份后可申请删除(积分流水匿名保留)"),
        "",
        True,
    ),
    (
        "accounts",
        gettext_noop("账号与登录"),
        gettext_noop("用户名、手机号摘要、登录记录、审计日志"),
        gettext_noop("身份鉴别、访问控制与安全审计(等保2.0三级)"),
        "legal_duty",
        gettext_noop("《网络安全法》第二十一条(日志留存不少于六个月);《个人信息保护法》第五十一条"),
        False,
        gettext_noop("审计日志至少保存180天"),
        "",
        False,
    ),
]


def seed(apps, schema_editor):
    DataCategory = apps.get_model("privacy", "DataCategory")
    for sort, row in enumerate(CATEGORIES):
        code, name, fields, purpose, basis, ref, sensitive, retention, command, erasable = row
        DataCategory.objects.update_or_create(
            code=code,
            defaults=dict(
                name=name,
                fields=fields,
                purpose=purpose,
                legal_basis=basis,
                legal_reference=ref,
                sensitive=sensitive,
                retention=retention,
                retention_command=command,
                erasable=erasable,
                sort=sort,
            ),
        )


def unseed(apps, schema_editor):
    apps.get_model("privacy", "DataCategory").objects.filter(code__in=[r[0] for r in CATEGORIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_register_and_subject_requests")]
    operations = [migrations.RunPython(seed, unseed)]
