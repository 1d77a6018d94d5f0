"""Done when: street staff, on a phone-sized screen, find 公益创投与救助项目 in the menu, set up this year's round and
open it, register a social organisation's paper application, close the window, score it, approve it, record a
progress report and the first payment, and complete it with its evaluation; the figures count it, and anyone reads
the approved project on the public 立项公示 without signing in — without the contact's phone."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_street_staff_carry_an_application_from_the_paper_form_to_completion(
    page: Any, login: Any, live_demo: Any
) -> None:
    from django.utils import timezone

    from linli.accounts.models import User
    from linli.orgs.services import organisation_register
    from linli.places.models import Place

    url = live_demo.url
    today = timezone.localdate().isoformat()
    street = Place.objects.filter(kind="street").order_by("path").first()
    community = Place.objects.filter(kind="community").order_by("path").first()
    organisation_register(
        actor=User.objects.get(username="street"), kind="social_org", name="幸福里社工服务中心", home=street
    )

    login("street")
    page.click("a[data-nav=grants]")
    page.wait_for_selector("#figures")
    page.click("#round-add summary")
    form = page.locator("#round-add form")
    form.locator("select[name=kind]").select_option("venture")
    form.locator("input[name=title]").fill("2026年度幸福里街道公益创投")
    form.locator("input[name=year]").fill(today[:4])
    form.locator("input[name=budget]").fill("300000")
    form.locator("input[name=opens_on]").fill(today)
    form.locator("input[name=closes_on]").fill(today)
    form.locator("input[name=service_fields][value=elderly]").check()
    form.locator("input[name=service_fields][value=assistance]").check()
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    page.wait_for_selector("#round[data-status=draft]")
    with page.expect_navigation():
        page.click("#round-actions button[type=submit]")  # 开始申报
    page.wait_for_selector("#round[data-status=open]")

    page.click("#register summary")
    form = page.locator("#register form")
    form.locator("select[name=organisation_id]").select_option(label="幸福里社工服务中心 · 社会组织")
    form.locator("input[name=title]").fill("乐融邻里·独居老人关爱")
    form.locator("select[name=service_field]").select_option("elderly")
    form.locator(f"input[name=community_ids][value='{community.pk}']").check()
    form.locator("input[name=requested]").fill("60000")
    form.locator("input[name=planned_beneficiaries]").fill("1200")
    form.locator("textarea[name=summary]").fill("为独居老人提供每周上门探访和助餐服务。")
    form.locator("input[name=contact_name]").fill("王芳")
    form.locator("input[name=contact_phone]").fill("13912345678")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    page.wait_for_selector("#applications tr[data-status=submitted]")
    with page.expect_navigation():
        page.click("#round-actions button[type=submit]")  # 截止申报,进入评审
    page.wait_for_selector("#round[data-status=reviewing]")

    with page.expect_navigation():
        page.click("#applications a >> text=乐融邻里·独居老人关爱")
    page.wait_for_selector("#project[data-status=submitted]")
    assert "139****5678" in page.locator("#contact-phone").inner_text()
    page.fill("#score-form input[name=score]", "92")
    page.fill("#score-form input[name=comment]", "方案具体,预算合理")
    with page.expect_navigation():
        page.click("#score-form button[type=submit]")
    page.wait_for_selector("#scores li[data-score='92']")

    page.click("#approve summary")
    page.fill("#approve input[name=granted]", "55000")
    with page.expect_navigation():
        page.click("#approve button[type=submit]")
    page.wait_for_selector("#project[data-status=approved]")
    assert "55,000.00" in page.locator("#money [data-figure=granted]").inner_text()

    page.click("#report summary")
    page.fill("#report textarea[name=text]", "完成首月上门探访和助餐服务。")
    page.fill("#report input[name=beneficiaries]", "120")
    page.fill("#report input[name=activities]", "4")
    with page.expect_navigation():
        page.click("#report button[type=submit]")
    page.wait_for_selector("#timeline li[data-report]")

    page.click("#disburse summary")
    page.locator("#disburse select[name=tranche]").select_option("first")
    page.fill("#disburse input[name=amount]", "27500")
    page.fill("#disburse input[name=voucher]", "财付〔2026〕18号")
    with page.expect_navigation():
        page.click("#disburse button[type=submit]")
    page.wait_for_selector("#timeline li[data-payment=first]")
    assert "27,500.00" in page.locator("#money [data-figure=paid]").inner_text()

    page.click("#complete summary")
    page.locator("#complete select[name=grade]").select_option("excellent")
    page.fill("#complete textarea[name=summary]", "服务对象满意度 97%,台账完整。")
    with page.expect_navigation():
        page.click("#complete button[type=submit]")
    page.wait_for_selector("#project[data-status=completed]")
    assert page.locator("#carry-out").count() == 0
    assert page.locator("#timeline li[data-event=completed]").count() == 1

    page.goto(f"{url}/grants/")
    page.wait_for_selector("#figures")
    assert page.locator("#figures [data-figure=approved] b").inner_text() == "1"
    assert page.locator("#figures [data-figure=beneficiaries] b").inner_text() == "120"

    page.context.clear_cookies()
    page.goto(f"{url}/grants/public/{street.pk}/")
    table = page.locator("#public-projects").inner_text()
    assert "乐融邻里·独居老人关爱" in table and "55,000.00" in table and "已结项" in table
    assert "13912345678" not in page.content() and "5678" not in table
