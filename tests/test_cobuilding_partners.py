"""Co-building: resources and needs, matching, micro-projects, photos, funds and their ledger,
the yearly "one practical thing" tracking."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from linli.cobuilding import selectors as sel
from linli.cobuilding import services_funds as sf
from linli.cobuilding import services_partners as sp
from linli.cobuilding.models import FundEntry, Need, NeedStatus, ProjectEvent, ProjectStatus
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.deliberation.services_meetings import meeting_plan
from linli.orgs.models import PartyOrg
from tests.support import png_upload
from tests.test_cobuilding_world import build_world, make_need_and_resource

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(users: dict[str, Any], places: Any) -> Any:
    return build_world(users, places)


def branch_fund(users: dict[str, Any], places: Any, compound: Any = None) -> Any:
    branch = PartyOrg.objects.get(kind="branch", place=compound or places.compounds[0])
    fund = sf.fund_open(actor=users["street"], holder="branch", name=f"{branch.name}经费", party_org=branch)
    sf.fund_grant(actor=users["street"], fund=fund, kind="startup", amount="3000", note="支部启动经费")
    return fund


def test_suggestions_for_a_need_are_resources_of_its_category_covering_its_place(
    users: dict[str, Any], places: Any, world: Any
) -> None:
    need, resource = make_need_and_resource(users, places, world)
    sp.resource_add(actor=users["street"], partner=world.partner, place=places.street, category="venue", title="会议室")
    far = sp.resource_add(
        actor=users["street"], partner=world.partner, place=places.communities[1], category="volunteers", title="别处"
    )
    suggested = sel.suggest_resources(users["street"], need)
    assert resource in suggested and far not in suggested
    assert all(r.category == "volunteers" for r in suggested)
    with pytest.raises(InvalidInput, match="不覆盖"):
        sp.need_match(actor=users["street"], need=need, resource=far)


def test_a_resident_raises_a_need_only_where_they_live(users: dict[str, Any], places: Any, world: Any) -> None:
    with pytest.raises(Forbidden):
        sp.need_raise(actor=users["resident"], place=places.compounds[2], category="goods", title="x")
    need = sp.need_raise(actor=users["resident"], place=world.compound, category="goods", title="缺少休息座椅")
    assert need.source == "resident" and need.status == NeedStatus.OPEN


def test_a_need_met_is_closed_with_evidence_and_not_twice(users: dict[str, Any], places: Any, world: Any) -> None:
    need, resource = make_need_and_resource(users, places, world)
    sp.need_match(actor=users["street"], need=need, resource=resource)
    with pytest.raises(InvalidInput, match="解决情况"):
        sp.need_close(actor=users["street"], need=need, evidence="")
    sp.need_close(actor=users["street"], need=need, evidence="11 月 3 日供电志愿者更换线路")
    with pytest.raises(Conflict):
        sp.need_close(actor=users["street"], need=need, evidence="again")


def _meeting(users: dict[str, Any], world: Any) -> Any:
    return meeting_plan(
        actor=users["community"],
        place=world.compound,
        kind="council",
        title="小区议事会",
        location="党群服务站",
        starts_at=timezone.now() + dt.timedelta(days=1),
    )


def test_a_micro_project_goes_through_its_lifecycle_spends_and_closes_its_need(
    users: dict[str, Any], places: Any, world: Any
) -> None:
    need, resource = make_need_and_resource(users, places, world)
    sp.need_match(actor=users["street"], need=need, resource=resource)
    fund = branch_fund(users, places)
    project = sp.project_propose(
        actor=users["street"],
        place=world.compound,
        title="老旧电线改造",
        description="更换楼道电线",
        budget="1200",
        partners=[world.partner],
        need=need,
        fund=fund,
    )
    with pytest.raises(Conflict, match="会议通过"):
        sp.project_start(actor=users["street"], project=project)
    with pytest.raises(InvalidInput, match="金额"):
        sf.fund_spend(
            actor=users["street"], fund=fund, amount="abc", note="x", receipt_number="R1", approver=users["street"]
        )
    sp.project_approve(actor=users["street"], project=project, meeting=_meeting(users, world), note="全票通过")
    sp.project_start(actor=users["street"], project=project)
    sp.project_photo_add(actor=users["street"], project=project, upload=png_upload())
    sf.fund_spend(
        actor=users["street"],
        fund=fund,
        amount="800.50",
        note="购买电线",
        receipt_number="FP-001",
        approver=users["street"],
        project=project,
    )
    project = sp.project_accept(
        actor=users["street"], project=project, note="线路更换完毕", beneficiaries=48, beneficiaries_note="3 号楼住户"
    )
    need.refresh_from_db()
    assert project.status == ProjectStatus.ACCEPTED
    assert need.status == NeedStatus.CLOSED and "老旧电线改造" in need.evidence
    assert list(ProjectEvent.objects.filter(project=project).values_list("to_status", flat=True)) == [
        "proposed",
        "approved",
        "executing",
        "accepted",
    ]
    assert sf.balance_of(fund) == Decimal("2199.50")
    [year] = sel.fund_years(fund)
    assert (year.granted, year.spent, year.closing_balance) == (Decimal("3000"), Decimal("800.50"), Decimal("2199.50"))
    tracked = {row.organisation.pk: row for row in sel.practical_things(users["street"], timezone.localdate().year)}
    assert tracked[world.partner.pk].projects == 1 and tracked[world.partner.pk].met


def test_a_photo_is_judged_by_its_content_and_size(users: dict[str, Any], places: Any, world: Any) -> None:
    project = sp.project_propose(
        actor=users["street"], place=world.compound, title="x", description="", budget="0", partners=[]
    )
    sp.project_approve(actor=users["street"], project=project, meeting=_meeting(users, world))
    fake = SimpleUploadedFile("evil.png", b"<html>not an image</html>", content_type="image/png")
    with pytest.raises(InvalidInput, match="不是有效的图片"):
        sp.project_photo_add(actor=users["street"], project=project, upload=fake)
    big = SimpleUploadedFile("big.png", b"0" * (5 * 1024 * 1024 + 1), content_type="image/png")
    with pytest.raises(InvalidInput, match="5 MB"):
        sp.project_photo_add(actor=users["street"], project=project, upload=big)
    assert project.photos.count() == 0


def test_spending_more_than_the_balance_is_refused_and_nothing_is_written(users: dict[str, Any], places: Any) -> None:
    fund = branch_fund(users, places)
    with pytest.raises(Conflict, match="余额不足"):
        sf.fund_spend(
            actor=users["street"], fund=fund, amount="3000.01", note="x", receipt_number="R", approver=users["street"]
        )
    assert FundEntry.objects.filter(fund=fund).count() == 1
    with pytest.raises(InvalidInput, match="票据号"):
        sf.fund_spend(
            actor=users["street"], fund=fund, amount="1", note="x", receipt_number="", approver=users["street"]
        )


def test_grants_follow_the_seed_rules_once_for_start_up_and_once_a_year(users: dict[str, Any], places: Any) -> None:
    fund = branch_fund(users, places)
    with pytest.raises(Conflict, match="启动经费"):
        sf.fund_grant(actor=users["street"], fund=fund, kind="startup", amount="3000", note="again")
    sf.fund_grant(actor=users["street"], fund=fund, kind="annual", amount="2000", note="年度工作经费")
    with pytest.raises(Conflict, match="年度工作经费"):
        sf.fund_grant(actor=users["street"], fund=fund, kind="annual", amount="2000", note="again")
    assert sf.balance_of(fund) == Decimal("5000.00")


def test_fund_entries_cannot_be_updated_at_the_database(users: dict[str, Any], places: Any) -> None:
    fund = branch_fund(users, places)
    entry = FundEntry.objects.get(fund=fund)
    with pytest.raises((IntegrityError, OperationalError, Exception)) as exc, transaction.atomic():
        FundEntry.objects.filter(pk=entry.pk).update(amount=Decimal("99999"))
    assert "append-only" in str(exc.value)
    assert FundEntry.objects.get(pk=entry.pk).amount == Decimal("3000.00")


def test_a_grid_worker_may_not_spend_or_approve(users: dict[str, Any], places: Any) -> None:
    fund = branch_fund(users, places)
    with pytest.raises(Forbidden):
        sf.fund_spend(actor=users["grid"], fund=fund, amount="1", note="x", receipt_number="R", approver=users["grid"])
    with pytest.raises(Forbidden, match="审批人"):
        sf.fund_spend(
            actor=users["street"], fund=fund, amount="1", note="x", receipt_number="R", approver=users["grid"]
        )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_spends_never_overdraw_the_fund() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent connections (PostgreSQL)")
    import threading

    from django.db import connections

    from linli.accounts.models import User
    from linli.places.models import Place
    from tests.conftest import build_demo

    if not Place.objects.exists():
        build_demo()
    street = User.objects.get(username="street")
    compound = Place.objects.filter(kind="compound").order_by("path").first()

    class P:
        compounds = [compound]

    fund = branch_fund({"street": street}, P())
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def spend(receipt: str) -> None:
        try:
            barrier.wait()
            sf.fund_spend(actor=street, fund=fund, amount="2000", note="并发", receipt_number=receipt, approver=street)
            outcomes.append("ok")
        except Conflict:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=spend, args=(r,)) for r in ("A", "B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "refused"]
    assert sf.balance_of(fund) == Decimal("1000.00")


def test_a_need_from_a_request_keeps_its_link_and_is_listed_for_staff_not_other_grids(
    users: dict[str, Any], places: Any, world: Any
) -> None:
    need = sp.need_raise(actor=users["street"], place=places.compounds[2], category="goods", title="社区图书角")
    assert need.source == "staff"
    assert need in sel.visible_needs(users["street"])
    assert not sel.visible_needs(users["grid"]).filter(pk=need.pk).exists()
    assert Need.objects.visible_to(users["resident"]).filter(pk=need.pk).count() == 0
