"""Offices (内设机构), the 职责清单 and the 准入事项 of a street, through their services: who may change them, what
each write checks, that repeats are harmless and that every change is audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from linli.audit.models import AuditEvent
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.duties import services as s
from linli.duties.models import EntryItem, ListedDuty, ListStatus, StreetOffice
from tests.duties_support import category, duty, entry, offices

pytestmark = pytest.mark.django_db


def test_a_street_gets_the_usual_five_offices_and_three_centres_once_however_often_it_is_pressed(
    users: Any, places: Any
) -> None:
    street = places.street
    assert s.offices_adopt_defaults(actor=users["street"], street=street) == 8
    assert s.offices_adopt_defaults(actor=users["street"], street=street) == 0
    names = list(StreetOffice.objects.filter(street=street).values_list("name", flat=True))
    assert len(names) == 8
    assert "党政办公室" in names and "党群服务中心" in names
    assert AuditEvent.objects.filter(action="duties.offices_defaulted").count() == 1


def test_an_office_can_be_added_renamed_and_adding_it_twice_answers_with_the_first(users: Any, places: Any) -> None:
    actor, street = users["street"], places.street
    office, created = s.office_save(actor=actor, street=street, name="退役军人服务站", kind="center")
    again, created_again = s.office_save(actor=actor, street=street, name="退役军人服务站", kind="center")
    assert created and not created_again and again.pk == office.pk
    renamed, _ = s.office_save(actor=actor, street=street, name="退役军人服务中心", kind="center", office=office)
    assert renamed.name == "退役军人服务中心"
    assert AuditEvent.objects.filter(action="duties.office_saved", target_id=str(office.pk)).count() == 2


def test_renaming_an_office_to_the_name_of_another_in_use_is_refused(users: Any, places: Any) -> None:
    found = offices(users["street"], places.street)
    with pytest.raises(Conflict) as refused:
        s.office_save(
            actor=users["street"],
            street=places.street,
            name="党政办公室",
            kind="office",
            office=found["党建工作办公室"],
        )
    assert refused.value.field == "name"


def test_an_office_with_duties_in_force_cannot_be_retired_and_one_without_is_kept_as_retired(
    users: Any, places: Any
) -> None:
    actor, street = users["street"], places.street
    item = duty(actor, street)
    office = item.office
    with pytest.raises(Conflict) as refused:
        s.office_retire(actor=actor, office=office)
    assert "1 项在册职责" in refused.value.message
    s.duty_cancel(actor=actor, duty=item, reason="职责调整到区级")
    retired = s.office_retire(actor=actor, office=office)
    assert not retired.active and retired.retired_on == timezone.localdate()
    assert StreetOffice.objects.filter(pk=office.pk).exists()  # retired, never deleted
    assert s.office_retire(actor=actor, office=office).active is False  # a second press changes nothing
    assert AuditEvent.objects.filter(action="duties.office_retired").count() == 1


def test_a_retired_office_cannot_take_a_new_duty(users: Any, places: Any) -> None:
    actor, street = users["street"], places.street
    found = offices(actor, street)
    office = found["经济发展办公室"]
    s.office_retire(actor=actor, office=office)
    office.refresh_from_db()
    with pytest.raises(InvalidInput) as refused:
        s.duty_create(
            actor=actor, street=street, fields=s.DutyFields(category=category(), title="招商引资", office=office)
        )
    assert refused.value.field == "office"


def test_a_duty_is_listed_with_its_office_basis_and_kind_of_responsibility(users: Any, places: Any) -> None:
    item = duty(
        users["street"],
        places.street,
        "安全生产监督检查",
        office="平安建设办公室",
        code="safety",
        basis="《安全生产法》",
        responsibility="support",
        partners="区应急管理局",
    )
    assert item.place_path == places.street.path
    assert item.get_responsibility_display() == "配合责任"
    assert item.status == ListStatus.IN_FORCE
    event = AuditEvent.objects.get(action="duties.duty_created", target_id=str(item.pk))
    assert event.detail["category"] == "safety"


def test_a_second_duty_with_a_title_the_list_has_in_force_is_refused_but_a_cancelled_title_may_return(
    users: Any, places: Any
) -> None:
    actor, street = users["street"], places.street
    first = duty(actor, street, "社会救助")
    with pytest.raises(Conflict):
        duty(actor, street, "社会救助")
    s.duty_cancel(actor=actor, duty=first, reason="合并到“社会救助和优抚”")
    again = duty(actor, street, "社会救助")
    assert again.pk != first.pk
    assert ListedDuty.objects.filter(street=street, title="社会救助").count() == 2


def test_a_duty_created_twice_under_one_idempotency_key_is_created_once(users: Any, places: Any) -> None:
    actor, street = users["street"], places.street
    found = offices(actor, street)
    fields = s.DutyFields(category=category(), title="养老服务", office=found["社会事务办公室"])
    first, created = s.duty_create(actor=actor, street=street, fields=fields, idempotency_key="k-1")
    second, created_again = s.duty_create(actor=actor, street=street, fields=fields, idempotency_key="k-1")
    assert created and not created_again and first.pk == second.pk
    assert ListedDuty.objects.filter(street=street, title="养老服务").count() == 1


def test_saving_a_duty_unchanged_records_nothing_and_a_cancelled_duty_is_not_edited(users: Any, places: Any) -> None:
    actor, street = users["street"], places.street
    item = duty(actor, street)
    same = s.DutyFields(category=item.category, title=item.title, office=item.office)
    s.duty_update(actor=actor, duty=item, fields=same)
    assert not AuditEvent.objects.filter(action="duties.duty_updated").exists()
    s.duty_update(
        actor=actor, duty=item, fields=s.DutyFields(category=item.category, title="社会救助和优抚", office=item.office)
    )
    assert AuditEvent.objects.get(action="duties.duty_updated").detail["changed"] == ["title"]
    s.duty_cancel(actor=actor, duty=item, reason="调整")
    with pytest.raises(Conflict):
        s.duty_update(actor=actor, duty=item, fields=same)


def test_cancelling_a_duty_needs_a_reason_keeps_the_date_and_a_second_cancel_changes_nothing(
    users: Any, places: Any
) -> None:
    actor, street = users["street"], places.street
    item = duty(actor, street)
    with pytest.raises(InvalidInput) as refused:
        s.duty_cancel(actor=actor, duty=item, reason="  ")
    assert refused.value.field == "reason"
    with pytest.raises(InvalidInput):
        s.duty_cancel(actor=actor, duty=item, reason="调整", cancelled_on=timezone.localdate() + dt.timedelta(days=1))
    day = timezone.localdate() - dt.timedelta(days=3)
    cancelled = s.duty_cancel(actor=actor, duty=item, reason="职责上收到区级", cancelled_on=day)
    assert (cancelled.status, cancelled.cancelled_on, cancelled.cancel_reason) == ("cancelled", day, "职责上收到区级")
    s.duty_cancel(actor=actor, duty=item, reason="再按一次")
    item.refresh_from_db()
    assert item.cancel_reason == "职责上收到区级"
    assert AuditEvent.objects.filter(action="duties.duty_cancelled").count() == 1


@pytest.mark.parametrize("who", ["community", "grid", "resident", "volunteer"])
def test_only_those_who_manage_the_street_may_change_its_offices_and_lists(users: Any, places: Any, who: str) -> None:
    street = places.street
    with pytest.raises(Forbidden):
        s.offices_adopt_defaults(actor=users[who], street=street)
    with pytest.raises(Forbidden):
        s.entry_create(actor=users[who], street=street, fields=s.EntryFields(title="x", department_name="区民政局"))
    assert not StreetOffice.objects.filter(street=street).exists()
    assert not EntryItem.objects.filter(street=street).exists()


def test_the_lists_are_kept_per_street_not_at_a_community(users: Any, places: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        s.offices_adopt_defaults(actor=users["street"], street=places.communities[0])
    assert refused.value.field == "street_id"


def test_an_entry_item_records_the_department_level_and_whether_funding_follows(users: Any, places: Any) -> None:
    from linli.orgs.models import Organisation

    department = Organisation.objects.filter(kind="department", place_path=places.street.path).order_by("pk").first()
    item = entry(
        users["street"],
        places.street,
        "征兵宣传",
        department=department,
        department_name="",
        level="community",
        funded=True,
    )
    assert item.department_name == department.name  # the department's own name when none is typed
    assert (item.level, item.funded) == ("community", True)


def test_an_entry_item_from_a_department_of_another_tree_is_refused(users: Any, places: Any) -> None:
    from linli.orgs.models import Organisation

    partner = Organisation.objects.filter(kind="partner_unit").order_by("pk").first()
    with pytest.raises(InvalidInput) as refused:
        entry(users["street"], places.street, "x", department=partner)
    assert refused.value.field == "department"


def test_an_entry_item_with_an_unknown_level_is_refused_naming_the_field(users: Any, places: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        entry(users["street"], places.street, "x", level="district")
    assert refused.value.field == "level"


def test_cancelling_an_entry_item_keeps_it_with_the_reason(users: Any, places: Any) -> None:
    item = entry(users["street"], places.street)
    s.entry_cancel(actor=users["street"], entry=item, reason="已由部门自行承担")
    item.refresh_from_db()
    assert (item.status, item.cancel_reason) == ("cancelled", "已由部门自行承担")
    assert AuditEvent.objects.filter(action="duties.entry_cancelled", target_id=str(item.pk)).exists()
