"""Demo data for the street duty lists (street and district sizes; tests call it on the small street): the first
street's "五办三中心", a realistic part of its 职责清单 and 行政事务准入事项 (not all 193 and 42: enough to read
and to try the review on), and a few tasks pushed down in each state — accepted under the list, approved by the
党工委, returned, and two waiting. Written through the services (audited, as street staff would), and safe to run
again: every step answers with what is there."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from linli.duties import selectors as sel
from linli.duties import services as s
from linli.duties import services_tasks as st
from linli.duties.models import DutyCategory, EntryItem, ListedDuty, ListStatus, PushedTask, StreetOffice
from linli.places.models import Place, PlaceKind

# (category code, title, content, basis, office, responsibility, partners)
DUTIES = [
    (
        "party",
        "街道党工委自身建设",
        "落实全面从严治党主体责任,抓好党工委理论学习中心组学习。",
        "《中国共产党章程》",
        "党建工作办公室",
        "lead",
        "",
    ),
    (
        "party",
        "基层党组织建设",
        "指导社区、小区党组织和“两新”组织党建工作,推进党组织应建尽建。",
        "《中国共产党支部工作条例(试行)》",
        "党建工作办公室",
        "lead",
        "区委组织部",
    ),
    (
        "party",
        "党员教育管理和“双报到”",
        "组织在职党员到社区报到,开展志愿服务。",
        "区委《关于在职党员到社区报到的实施意见》",
        "党群服务中心",
        "lead",
        "",
    ),
    (
        "economy",
        "辖区企业服务",
        "走访辖区企业,协调解决经营中的困难,做好稳商安商。",
        "",
        "经济发展办公室",
        "lead",
        "区商务局",
    ),
    (
        "economy",
        "统计调查",
        "配合开展经济普查、人口普查等统计调查工作。",
        "《中华人民共和国统计法》",
        "经济发展办公室",
        "support",
        "区统计局",
    ),
    (
        "livelihood",
        "社会救助",
        "受理低保、特困供养、临时救助申请,入户核查并公示。",
        "《社会救助暂行办法》",
        "社会事务办公室",
        "lead",
        "区民政局",
    ),
    ("livelihood", "养老服务", "推进居家社区养老服务,做好高龄津贴发放。", "", "社会事务办公室", "lead", "区民政局"),
    (
        "livelihood",
        "退役军人服务",
        "做好退役军人和其他优抚对象的信息采集、走访慰问。",
        "《退役军人保障法》",
        "便民服务中心",
        "lead",
        "区退役军人事务局",
    ),
    (
        "livelihood",
        "就业创业服务",
        "登记失业人员,开展就业援助和技能培训推荐。",
        "《就业促进法》",
        "便民服务中心",
        "support",
        "区人社局",
    ),
    (
        "safety",
        "矛盾纠纷排查化解",
        "组织社区、网格排查矛盾纠纷,开展人民调解。",
        "《人民调解法》",
        "综治中心(网格化服务管理中心)",
        "lead",
        "区司法局",
    ),
    (
        "safety",
        "安全生产监督检查",
        "对辖区小微企业、“九小场所”开展安全检查。",
        "《安全生产法》",
        "平安建设办公室",
        "support",
        "区应急管理局",
    ),
    ("safety", "网格化服务管理", "统筹网格员队伍,处置网格内上报事件。", "", "综治中心(网格化服务管理中心)", "lead", ""),
    (
        "urban",
        "违法建设巡查",
        "巡查发现违法建设并及时报告、配合查处。",
        "《城乡规划法》",
        "平安建设办公室",
        "support",
        "区城管局",
    ),
    (
        "urban",
        "垃圾分类推进",
        "组织社区开展垃圾分类宣传和督导。",
        "市生活垃圾管理条例",
        "党政办公室",
        "lead",
        "区城管局",
    ),
    (
        "support",
        "政务公开和信访接待",
        "公开街道办事事项,接待群众来信来访。",
        "《信访工作条例》",
        "党政办公室",
        "lead",
        "",
    ),
]
# (title, department, basis, level, funded)
ENTRIES = [
    ("人口普查和经济普查入户登记", "统计局", "《全国人口普查条例》", "community", True),
    ("城乡居民医保参保动员", "医疗保障局", "", "community", True),
    ("退役军人信息采集", "退役军人事务局", "《退役军人保障法》", "street", False),
    ("征兵宣传和兵役登记", "人武部", "《兵役法》", "street", True),
    ("低保对象入户核查", "民政局", "《社会救助暂行办法》", "community", False),
    ("安全生产检查(九小场所)", "应急管理局", "《安全生产法》", "street", False),
    ("计划生育特殊家庭走访", "卫生健康委", "", "community", True),
    ("防汛防台值守", "应急管理局", "《防洪法》", "street", False),
    ("食品安全宣传", "市场监督管理局", "", "community", False),
]


# District departments whose office at the street is in the organisation register (the demo's 应急办 …).
AT_STREET = {"应急管理局": "应急办", "市场监督管理局": "市场监管所", "卫生健康委": "卫生健康办"}


def _actor() -> Any:
    User = get_user_model()
    return User.objects.filter(username="street").first() or User.objects.filter(is_superuser=True).first()


def build_demo_duties(rng: random.Random) -> None:
    """``rng`` is the demo builder's; nothing here is random, so running the hook again adds nothing."""
    actor = _actor()
    street = Place.objects.filter(kind=PlaceKind.STREET).order_by("path").first()
    if actor is None or street is None:
        return
    s.offices_adopt_defaults(actor=actor, street=street)
    offices = {o.name: o for o in StreetOffice.objects.filter(street=street, active=True)}
    categories = {c.code: c for c in DutyCategory.objects.all()}
    have = set(ListedDuty.objects.filter(street=street, status=ListStatus.IN_FORCE).values_list("title", flat=True))
    for code, title, content, basis, office, responsibility, partners in DUTIES:
        if title in have or office not in offices:
            continue
        s.duty_create(
            actor=actor,
            street=street,
            fields=s.DutyFields(
                category=categories.get(code),
                title=title,
                office=offices[office],
                content=content,
                basis=basis,
                responsibility=responsibility,
                partners=partners,
            ),
        )
    departments = {d.name: d for d in sel.street_departments(street)}
    have = set(EntryItem.objects.filter(street=street, status=ListStatus.IN_FORCE).values_list("title", flat=True))
    for title, department, basis, level, funded in ENTRIES:
        if title in have:
            continue
        local = departments.get(f"{street.name}{AT_STREET.get(department, department)}")
        s.entry_create(
            actor=actor,
            street=street,
            fields=s.EntryFields(
                title=title,
                department_name=local.name if local is not None else f"区{department}",
                department=local,
                basis=basis,
                level=level,
                funded=funded,
            ),
        )
    if not PushedTask.objects.filter(street=street).exists():
        _tasks(actor, street)


def _tasks(actor: Any, street: Place) -> None:
    entries = {e.title: e for e in EntryItem.objects.filter(street=street, status=ListStatus.IN_FORCE)}
    communities = sel.street_communities(street)
    first = communities[0] if communities else street
    due = timezone.localdate() + dt.timedelta(days=14)

    def register(title: str, department: str, target: Place, entry: str | None, content: str) -> Any:
        task, _created = st.task_register(
            actor=actor,
            street=street,
            fields=st.TaskFields(
                title=title,
                target=target,
                department_name=department,
                content=content,
                due_on=due,
                entry=entries.get(entry) if entry else None,
            ),
        )
        return task

    accepted = register(
        "城乡居民医保参保动员(2027年度)", "区医疗保障局", first, "城乡居民医保参保动员", "动员未参保居民参保缴费。"
    )
    st.task_accept(actor=actor, task=accepted, note="在准入清单内,经费随事转。")
    approved = register("老旧小区加装电梯意愿摸底", "区住房和城乡建设局", first, None, "摸排各楼栋加装电梯意愿。")
    st.task_approve(
        actor=actor,
        task=approved,
        approval_ref="街道党工委会议纪要〔2026〕12号",
        note="民生实事,同意特批,经费由区住建局拨付。",
    )
    returned = register(
        "辖区企业用工台账填报", "区人力资源和社会保障局", first, None, "要求社区逐户填报辖区企业用工台账。"
    )
    st.task_return(actor=actor, task=returned, reason="不在准入清单内,且属部门自身职责,退回由部门自行组织。")
    register("征兵宣传进社区", "区人武部", street, "征兵宣传和兵役登记", "开展征兵政策宣传。")
    register("创建文明城市入户问卷", "区文明办", communities[-1] if communities else street, None, "入户发放问卷。")
