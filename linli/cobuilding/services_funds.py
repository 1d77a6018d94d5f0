"""Funds of party branches and service stations: an append-only ledger (seed 002: start-up funds
of 3,000 yuan and 2,000 yuan a year per branch).

Spending locks the fund row (``select_for_update``) before summing, so two concurrent spends are
serialised and the second sees the first: the balance never goes below zero.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.cobuilding.models import GRANT_KINDS, Fund, FundEntry, FundEntryKind, FundHolder, Project, ProjectStatus
from linli.cobuilding.permissions import require
from linli.cobuilding.services_partners import _money
from linli.core.errors import Conflict, InvalidInput
from linli.core.text import clean_text
from linli.orgs.models import PartyOrg, PartyOrgKind
from linli.orgs.services import require_active
from linli.places.models import Place, PlaceKind

STARTUP_GRANT = Decimal("3000.00")
ANNUAL_GRANT = Decimal("2000.00")


def balance_of(fund: Fund) -> Decimal:
    total = FundEntry.objects.filter(fund=fund).aggregate(s=Sum("amount"))["s"]
    return Decimal(total or 0).quantize(Decimal("0.01"))


@transaction.atomic
def fund_open(
    *, actor: Any, holder: str, name: str, party_org: PartyOrg | None = None, place: Place | None = None
) -> Fund:
    """A fund for a branch (anchored at the branch's place) or a station at a community/compound."""
    if holder == FundHolder.BRANCH:
        if party_org is None or party_org.kind != PartyOrgKind.BRANCH:
            raise InvalidInput(_("请选择一个党支部"), field="party_org_id")
        place = party_org.place
        if Fund.objects.filter(party_org=party_org).exists():
            raise Conflict(_("%(branch)s 已有经费账户") % {"branch": party_org.name}, field="party_org_id")
    elif holder == FundHolder.STATION:
        if place is None or place.kind not in {PlaceKind.COMMUNITY, PlaceKind.COMPOUND, PlaceKind.STREET}:
            raise InvalidInput(_("服务站应设在街道、社区或小区"), field="place_id")
        party_org = None
        if Fund.objects.filter(place=place, holder=FundHolder.STATION).exists():
            raise Conflict(_("%(place)s 的服务站已有经费账户") % {"place": place.name}, field="place_id")
    else:
        raise InvalidInput(_("请选择党支部或服务站"), field="holder")
    require(actor, place.path, "manage", _("您的岗位无权开设经费账户"))
    with transaction.atomic():
        if party_org is not None:
            require_active(party_org, field="party_org_id")  # a dissolved (已撤销) branch opens nothing new
        fund = Fund.objects.create(
            name=clean_text(name, field="name", label=_("账户名称"), max_length=100),
            holder=holder,
            party_org=party_org,
            place=place,
            place_path=place.path,
        )
        audit_record(action="cobuilding.fund_opened", actor=actor, target=fund)
    return fund


def _date(on_date: dt.date | None) -> dt.date:
    today = timezone.localdate()
    day = on_date or today
    if day > today:
        raise InvalidInput(_("日期不能晚于今天"), field="on_date")
    return day


@transaction.atomic
def fund_grant(
    *, actor: Any, fund: Fund, kind: str, amount: Any, note: str, on_date: dt.date | None = None
) -> FundEntry:
    """A grant: start-up (once per fund) or annual operating (once per year) or other."""
    require(actor, fund.place_path, "manage", _("您的岗位无权拨付经费"))
    if kind not in GRANT_KINDS:
        raise InvalidInput(_("请选择拨款类型"), field="kind")
    value = _money(amount, field="amount", label=_("金额"))
    if value <= 0:
        raise InvalidInput(_("金额应大于 0"), field="amount")
    day = _date(on_date)
    fund = Fund.objects.select_for_update().get(pk=fund.pk)
    if kind == FundEntryKind.STARTUP and fund.entries.filter(kind=FundEntryKind.STARTUP).exists():
        raise Conflict(_("启动经费已拨付过"), field="kind")
    if kind == FundEntryKind.ANNUAL and fund.entries.filter(kind=FundEntryKind.ANNUAL, on_date__year=day.year).exists():
        raise Conflict(_("%(year)d 年度工作经费已拨付过") % {"year": day.year}, field="kind")
    entry = FundEntry.objects.create(
        fund=fund,
        kind=kind,
        amount=value,
        on_date=day,
        note=clean_text(note, field="note", label=_("摘要"), max_length=200),
        approver=actor,
        recorded_by=actor,
    )
    audit_record(action="cobuilding.fund_granted", actor=actor, target=fund, amount=str(value), kind=kind)
    return entry


@transaction.atomic
def fund_spend(
    *,
    actor: Any,
    fund: Fund,
    amount: Any,
    note: str,
    receipt_number: str,
    approver: Any,
    project: Project | None = None,
    on_date: dt.date | None = None,
) -> FundEntry:
    """Spending with a receipt and an approver; never more than the balance."""
    require(actor, fund.place_path, "manage", _("您的岗位无权登记支出"))
    value = _money(amount, field="amount", label=_("金额"))
    if value <= 0:
        raise InvalidInput(_("金额应大于 0"), field="amount")
    receipt = clean_text(receipt_number, field="receipt_number", label=_("票据号"), max_length=64)
    if approver is None:
        raise InvalidInput(_("请选择审批人"), field="approver_id")
    require(approver, fund.place_path, "manage", _("审批人须是对该账户有管理权限的工作人员"))
    if project is not None:
        project = Project.objects.select_for_update().get(pk=project.pk)
        if project.fund_id not in (None, fund.pk):
            raise InvalidInput(_("该项目使用的是另一个经费账户"), field="project_id")
        if project.status not in {ProjectStatus.APPROVED, ProjectStatus.EXECUTING}:
            raise InvalidInput(_("只有已通过或实施中的项目可以列支"), field="project_id")
    day = _date(on_date)
    fund = Fund.objects.select_for_update().get(pk=fund.pk)
    balance = balance_of(fund)
    if value > balance:
        raise Conflict(
            _("余额不足:当前余额 %(balance)s 元,本次支出 %(amount)s 元") % {"balance": balance, "amount": value},
            field="amount",
        )
    entry = FundEntry.objects.create(
        fund=fund,
        kind=FundEntryKind.SPEND,
        amount=-value,
        on_date=day,
        note=clean_text(note, field="note", label=_("摘要"), max_length=200),
        receipt_number=receipt,
        approver=approver,
        project=project,
        recorded_by=actor,
    )
    audit_record(
        action="cobuilding.fund_spent", actor=actor, target=fund, amount=str(value), project=project and project.pk
    )
    return entry
