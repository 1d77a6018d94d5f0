"""Smart dispatch in a browser: staff type a request at intake, see the top 3 categories from the
trained model, take the first, see the near-identical open request at the same building and merge
the new one into it in the same submit."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from linli.places.models import Place
from linli.routing.services import model_train
from linli.tickets.models import Status, Ticket
from linli.tickets.services import ticket_submit
from tests.test_routing import DATA, make_categories

pytestmark = pytest.mark.browser


def test_intake_shows_suggestions_and_merges_a_duplicate(login, live_demo, settings):
    from linli.accounts.models import User

    settings.ROUTING_MIN_LABELLED = 100
    settings.ROUTING_AUTO_ASSIGN_CONFIDENCE = 1.01
    cats = make_categories()
    compound = Place.objects.filter(kind="compound").order_by("path").first()
    call_command("import_tickets", str(DATA), place=compound.pk)
    model_train(trigger="command", evaluate=False)
    building = Place.objects.filter(kind="building", path__startswith=compound.path).order_by("path").first()
    first, _ = ticket_submit(
        actor=User.objects.get(username="resident"), description="3号楼电梯坏了,老人下不了楼", place_id=building.pk
    )

    page = login("community")
    page.goto(f"{live_demo.url}/requests/entry/")
    page.select_option("select[name=source]", "phone")
    page.select_option("select[name=place_id]", str(building.pk))
    page.fill("textarea[name=description]", "3号楼的电梯又坏了,老人下不去楼")
    candidates = page.locator(".routing-candidates li")
    candidates.first.wait_for()
    assert candidates.count() == 3
    assert "电梯故障" in candidates.first.inner_text()
    page.locator(".routing-pick").first.click()
    assert page.input_value("select[name=category_id]") == str(cats["房屋设施/电梯故障"].pk)
    row = page.locator(f".routing-similar-row[data-ticket-id='{first.pk}']")
    row.wait_for()
    row.locator("input[type=radio]").check()
    page.click("button.primary:has-text('登记')")
    page.wait_for_load_state("networkidle")
    assert "已合并到" in page.content()
    new = Ticket.objects.order_by("-pk").first()
    assert new.status == Status.MERGED and new.merged_into_id == first.pk
    assert new.category_id == cats["房屋设施/电梯故障"].pk
    assert new.routing_suggestion.model_version == 1
