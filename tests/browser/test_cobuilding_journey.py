"""Done when (issue 9): a street runs the annual rating for a property company (resident survey +
branch + committee), the company gets its stars and lands on the red list; a resident need is
matched to a partner's resource and closed as a micro-project with its spending recorded."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from linli.accounts.models import User
from linli.cobuilding import services_funds as sf
from linli.cobuilding import services_partners as sp
from linli.cobuilding.models import FundEntry, ListEntry, Need, Project, Rating
from linli.deliberation.services_meetings import meeting_plan
from linli.orgs.models import PartyOrg
from linli.places.models import Place

pytestmark = pytest.mark.browser


@pytest.fixture
def resident_browser(browser, live_demo):
    """A browser of the resident's own, closed when the test ends (before its database is flushed).

    Left open, its page stayed in the session's browser: it polled ``/inbox/badge/`` every 120 s through
    the later tests, and its kept-alive connection's server thread ended only when the browser closed,
    after the live server had stopped sharing the in-memory SQLite connection with its threads, so the
    thread's closing of that connection raised (a PytestUnhandledThreadExceptionWarning at the end of the run)."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    yield context
    context.close()


def _login_resident(resident_browser, base):
    """The resident in a browser of their own (no second factor for residents), so the street
    user's session — and its one-time TOTP codes — stays put in the other."""
    from tests.conftest import PASSWORD

    resident = resident_browser.new_page()
    resident.set_default_timeout(60_000)
    resident.goto(f"{base}/accounts/login/")
    resident.fill("input[name=username]", "resident")
    resident.fill("input[name=password]", PASSWORD)
    resident.click("button[type=submit].primary")
    resident.wait_for_load_state("networkidle")
    return resident


def _rate_all(page, rating: Rating, stars: int) -> None:
    for criterion in rating.template.criteria.all():
        page.check(f"input[name=c{criterion.pk}][value='{stars}']")


def test_a_street_rates_a_company_onto_the_red_list_and_a_resident_need_becomes_a_funded_micro_project(
    login, live_demo, page, resident_browser
):
    page.set_default_timeout(60_000)  # the shared 2-core machine is slow under load
    page.set_default_navigation_timeout(90_000)
    base = live_demo.url
    street = User.objects.get(username="street")  # the demo street user, through the 2FA login
    community = Place.objects.filter(kind="community").order_by("path").first()
    compound = Place.objects.filter(kind="compound").order_by("path").first()

    # --- the street registers the company and its contract, and sets the year's template
    page = login("street")
    page.goto(f"{base}/co-building/property/")
    page.click("text=登记物业服务企业")
    page.select_option("select[name=home_id]", str(community.pk))
    page.fill("input[name=name]", "红盾物业服务有限公司")
    page.fill("input[name=uscc]", "91340100MA2N000042")
    page.click("form:has(input[value=company]) button[type=submit]")
    page.click("text=登记合同")
    company_id = page.locator("select[name=company_id] option", has_text="红盾物业服务有限公司").get_attribute("value")
    page.select_option("select[name=company_id]", company_id)
    page.select_option("select[name=compound_id]", str(compound.pk))
    page.fill("input[name=starts_on]", "2025-01-01")
    page.fill("input[name=ends_on]", "2027-12-31")
    page.fill("input[name=fee_per_m2]", "1.20")
    page.fill("input[name=project_manager]", "王建国")
    page.click("form:has(input[value=contract]) button[type=submit]")
    assert page.locator("td", has_text="王建国").count() == 1

    year = timezone.localdate().year
    page.goto(f"{base}/co-building/ratings/")
    page.click("text=新建评价模板(街道)")
    page.fill("input[name=name]", f"{year} 年度红色物业星级评定")
    criteria = page.locator("input[name=criterion]")
    weights = page.locator("input[name=criterion_weight]")
    for i, (label, weight) in enumerate([("服务质量", "40"), ("环境卫生", "30"), ("党建引领", "30")]):
        criteria.nth(i).fill(label)
        weights.nth(i).fill(weight)
    page.click("form:has(input[value=template]) button[type=submit]")

    # --- the street opens the rating and draws the sample (every household of this small compound)
    page.select_option("select[name=company_id]", company_id)
    page.select_option("select[name=compound_id]", str(compound.pk))
    page.fill("input[name=sample_size]", "500")
    page.click("text=发起评定并抽样")
    rating = Rating.objects.get(company_id=company_id, compound=compound)
    link = page.locator("#survey-link").inner_text()
    assert link.endswith(f"/co-building/survey/{rating.token}/")

    # --- a resident of a sampled household answers through the link, once
    resident = _login_resident(resident_browser, base)  # a second browser: both stay logged in
    resident.goto(f"{base}/co-building/mine/")
    resident.click("text=去评价")
    _rate_all(resident, rating, 5)
    resident.fill("textarea[name=comment]", "保洁及时,维修快")
    with resident.expect_navigation(timeout=90_000):  # the POST's answer, not the form still on screen
        resident.click("button:has-text('提交评价')")
    resident.locator("#survey-thanks").wait_for(state="visible", timeout=60_000)
    resident.goto(f"{base}/co-building/survey/{rating.token}/")
    resident.locator("#already-answered").wait_for(state="visible", timeout=60_000)

    # --- the branch and the owners' committee evaluations, then the result
    page.goto(f"{base}/co-building/ratings/{rating.pk}/")
    page.select_option("select[name=rater]", "branch")
    _rate_all(page, rating, 5)
    with page.expect_navigation():
        page.click("button:has-text('提交评价')")
    page.select_option("select[name=rater]", "committee")
    _rate_all(page, rating, 4)
    with page.expect_navigation():
        page.click("button:has-text('提交评价')")
    page.click("#close-rating")
    # 50% × 100 + 25% × 100 + 25% × 80 = 95 → five stars
    assert page.locator("[data-score]").inner_text() == "95.00"
    assert page.locator("#result .cb-stars").get_attribute("data-stars") == "5"

    # --- the result puts the company on the red list (reason, evidence, validity)
    assert page.locator("select[name=kind]").input_value() == "red"
    page.fill("textarea[name=reason]", "年度星级评定五星,居民满意度高")
    page.click("text=记录决定")
    entry = ListEntry.objects.get(organisation_id=company_id)
    assert entry.kind == "red" and entry.rating_id == rating.pk and entry.valid_until >= timezone.localdate()
    page.goto(f"{base}/co-building/lists/")
    assert page.locator("#red-list").inner_text().count("红盾物业服务有限公司") == 1

    # the resident sees it on their page too
    resident.goto(f"{base}/co-building/mine/")
    assert "红盾物业服务有限公司" in resident.locator("main").inner_text()

    # --- a resident need …
    resident.select_option("select[name=place_id]", str(compound.pk))
    resident.select_option("select[name=category]", "volunteers")
    resident.fill("input[name=title]", "楼道老旧电线需要检修")
    resident.fill("textarea[name=description]", "3 号楼楼道电线老化,晚上经常跳闸")
    resident.click("text=提交需求")
    need = Need.objects.get(title="楼道老旧电线需要检修")
    assert need.source == "resident" and need.status == "open"

    # … a partner's resource, a branch fund with its start-up grant and a meeting exist (set up by staff)
    partner = sp.resource_add(
        actor=street, partner=_partner(), place=community, category="volunteers", title="电力党员志愿服务队"
    )
    branch = PartyOrg.objects.get(kind="branch", place=compound)
    fund = sf.fund_open(actor=street, holder="branch", name=f"{branch.name}党建经费", party_org=branch)
    sf.fund_grant(actor=street, fund=fund, kind="startup", amount="3000", note="支部启动经费")
    meeting_plan(
        actor=street,
        place=compound,
        kind="council",
        title="小区民生微项目议事会",
        location="党群服务站",
        starts_at=timezone.now() + dt.timedelta(hours=2),
    )

    # --- the street matches the need to the resource …
    page.goto(f"{base}/co-building/needs/{need.pk}/")
    page.click(f"button[data-resource='{partner.pk}']")
    assert page.locator("#matched-resource").inner_text() == "电力党员志愿服务队"
    # … makes it a micro-project with the partner and the fund …
    page.click("text=立项为民生微项目")
    page.select_option("select[name=place_id]", str(compound.pk))
    page.fill("input[name=budget]", "1200")
    page.select_option("select[name=fund_id]", str(fund.pk))
    page.click("#propose button[type=submit]")
    project = Project.objects.get(need=need)
    assert list(project.partners.values_list("pk", flat=True)) == [partner.partner_id]
    # … approved at the meeting, executed with its spending recorded, then accepted
    page.click("text=会议通过")
    page.click("text=开始实施")
    page.fill("input[name=amount]", "5000")
    page.fill("input[name=note]", "购买阻燃电线及配件")
    page.fill("input[name=receipt_number]", "FP-2026-0012")
    page.click("button:has-text('登记支出')")
    # refused (more than the balance): the page comes back with the reason and what was typed
    assert "余额不足" in page.locator("p.error").inner_text()
    assert page.locator("input[name=receipt_number]").input_value() == "FP-2026-0012"
    assert page.locator("input[name=note]").input_value() == "购买阻燃电线及配件"
    page.fill("input[name=amount]", "860.50")
    page.click("button:has-text('登记支出')")
    assert page.locator("#project-spent").inner_text() == "860.50"
    page.fill("section:has(h2:has-text('登记进展')) textarea[name=note]", "1 单元线路已更换")
    page.click("section:has(h2:has-text('登记进展')) button[type=submit]")
    assert "1 单元线路已更换" in page.locator("main").inner_text()
    accept = "section:has(h2:text-is('验收'))"
    page.fill(f"{accept} textarea[name=note]", "3 号楼楼道线路全部更换,经居民代表验收合格")
    page.fill(f"{accept} input[name=beneficiaries]", "48")
    page.click(f"{accept} button[type=submit]")
    assert page.locator("#project-status").get_attribute("data-status") == "accepted"

    need.refresh_from_db()
    assert need.status == "closed" and "验收" in need.evidence
    spend = FundEntry.objects.get(fund=fund, kind="spend")
    assert spend.amount == Decimal("-860.50") and spend.project_id == project.pk and spend.approver_id == street.pk
    assert sf.balance_of(fund) == Decimal("2139.50")

    # the resident sees the need closed with its evidence
    resident.goto(f"{base}/co-building/mine/")
    assert "已解决" in resident.locator("main").inner_text()


def _partner():
    from linli.orgs.models import Organisation, OrganisationKind

    street_place = Place.objects.get(kind="street")
    return Organisation.objects.create(
        kind=OrganisationKind.PARTNER_UNIT, name="区供电公司党支部", home=street_place, place_path=street_place.path
    )
