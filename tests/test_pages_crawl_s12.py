"""Crawl of every HTML page (not /api/, /static/, /admin/, /open311/) as each demo role.

Every URL pattern is walked from the resolver; ``<int:…>`` parameters are filled with real ids of
demo objects (first, middle and last of each table, so some are in the role's scope and some are
not) and with an id that does not exist. Each role GETs every page with
``raise_request_exception = False`` so a crash shows as the 500 a user would get. The list and
report pages are then fetched again with odd query strings (empty values, unknown choices,
impossible and extreme dates, reversed ranges, garbage cursors, 3,000-character and emoji
``q``, repeated parameters), and in English and Traditional Chinese.

Each defect the review found (seven pages answering 500, position names and figure definitions left in
Simplified Chinese in the other languages) has a focused test below; all were fixed in the same session.
A page found answering 500 later can be listed in ``KNOWN_DEFECTS`` (skipped by the broad crawl) while
its own test pins it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.test import Client

from tests.support import url_routes

pytestmark = pytest.mark.django_db

ROLES = ["admin", "street", "community", "grid", "volunteer", "resident"]
MISSING = 987654321
EXCLUDED_PREFIXES = ("api/", "static/", "admin/", "open311/", "i18n/")

# ----------------------------------------------------------------------------- known defects
# (path, query parameter) pairs the broad query-string crawl does not send. Empty: the seven pages this
# review found answering 500 (extreme and impossible dates, years, a building id "zzz") were fixed in the
# same session (linli.core.dates, parse_id), and each keeps its focused test below.
KNOWN_DEFECTS: dict[str, set[str]] = {}

# ----------------------------------------------------------------------------- URL enumeration

PARAM_MODEL = {
    "session_id": "accounts.UserSession",
    "user_id": "accounts.User",
    "company_id": "orgs.Organisation",
    "contract_id": "cobuilding.PropertyContract",
    "rating_id": "cobuilding.Rating",
    "entry_id": "cobuilding.ListEntry",
    "resource_id": "cobuilding.Resource",
    "need_id": "cobuilding.Need",
    "project_id": "cobuilding.Project",
    "fund_id": "cobuilding.Fund",
    "charter_id": "cobuilding.CompoundCharter",
    "staff_id": "cobuilding.PropertyGridStaff",
    "position_id": "people.Position",
    "org_id": "orgs.PartyOrg",
    "publication_id": "deliberation.Publication",
    "vote_id": "deliberation.Vote",
    "topic_id": "deliberation.Topic",
    "meeting_id": "deliberation.Meeting",
    "case_id": "deliberation.MediationCase",
    "venue_id": "deliberation.MediationVenue",
    "legal_session_id": "deliberation.LegalSession",
    "report_id": "insights.WorkReport",
    "key_id": "interop.Open311Key",
    "subscriber_id": "interop.WebhookSubscriber",
    "delivery_id": "interop.WebhookDelivery",
    "notification_id": "notify.Notification",
    "hook_id": "notify.NodeWebhook",
    "material_id": "partylife.StudyMaterial",
    "person_id": "people.Person",
    "household_id": "places.Household",
    "facility_id": "places.SecurityFacility",
    "correction_id": "people.CorrectionRequest",
    "batch_id": "people.ImportBatch",
    "place_id": "places.Place",
    "request_id": "privacy.SubjectRequest",
    "ticket_id": "tickets.Ticket",
    "category_id": "tickets.Category",
    "item_id": "tickets.ProblemItem",
    "visit_id": "visits.Visit",
    "hazard_id": "visits.HazardPoint",
    "activity_id": "volunteering.Activity",
    "signup_id": "volunteering.Signup",
    "reward_id": "volunteering.Reward",
    "redemption_id": "volunteering.Redemption",
    "wish_id": "volunteering.Wish",
    "registration_id": "volunteering.WorkplaceRegistration",
    "post_id": "volunteering.ServicePost",
    "station_id": "volunteering.Station",
    "team_id": "volunteering.Team",
    "covenant_id": "volunteering.TeamCovenant",
    "compound_id": "places.Place",
    "community_id": "places.Place",
    "street_id": "places.Place",
    "task_id": "duties.PushedTask",
    "round_id": "grants.GrantRound",
    "grant_project_id": "grants.GrantProject",
    "desk_id": "rota.DutyDesk",
    "notice_id": "commons.Notice",
    "worker_id": "workforce.Worker",
    "training_id": "workforce.Training",
    "service_item_id": "guide.ServiceItem",
    "version_id": "guide.ListPublication",
}
PARAM_MODEL_IN = {  # (namespace, parameter) where the same name means another table
    ("tickets", "photo_id"): "tickets.TicketPhoto",
    ("visits", "photo_id"): "visits.VisitPhoto",
    ("cobuilding", "photo_id"): "cobuilding.ProjectPhoto",
    ("partylife", "photo_id"): "partylife.MeetingPhoto",
    ("partylife", "meeting_id"): "partylife.Meeting",
    ("cobuilding", "org_id"): "orgs.Organisation",
    ("notify", "delivery_id"): "notify.Delivery",
    ("venues", "venue_id"): "venues.Venue",
    ("venues", "booking_id"): "venues.Booking",
    ("elections", "election_id"): "elections.Election",
    ("commons", "entry_id"): "commons.Entry",
}
CHILD_PARAM = {  # child parameter → (model, parent parameter, foreign key to the parent)
    "comment_id": ("deliberation.TopicComment", "topic_id", "topic_id"),
    "decision_id": ("deliberation.Decision", "meeting_id", "meeting_id"),
    "phone_id": ("people.PersonPhone", "person_id", "person_id"),
    "ownership_id": ("people.Ownership", "person_id", "person_id"),
}


def page_routes() -> list[tuple[str, str]]:
    return [
        (route, name)
        for route, name in url_routes()
        if not route.startswith(EXCLUDED_PREFIXES) and "(?P" not in route and "^" not in route
    ]


def _ids(label: str) -> list[int]:
    ids = list(apps.get_model(label)._base_manager.order_by("pk").values_list("pk", flat=True))
    return sorted({ids[0], ids[len(ids) // 2], ids[-1]}) if ids else []


def _str_values(name: str) -> list[str]:
    from linli.insights import drilldown
    from linli.insights import selectors as s
    from linli.insights.views_reports import FORMATS

    if name == "audit:export":
        return ["csv", "xlsx", "zzz"]
    if name == "insights:figure":
        return [*s.RATES, "zzz"]
    if name == "insights:records":
        return [*drilldown.RECORD_LISTS, "zzz"]
    if name == "insights:report_download":
        return [*FORMATS, "zzz"]
    if name == "cobuilding:survey":
        return [*apps.get_model("cobuilding.Rating")._base_manager.values_list("token", flat=True)[:1], "zzz"]
    return ["zzz"]


def fill(route: str, name: str) -> list[tuple[str, bool]]:
    """The route with its parameters filled: (url, True if some id in it is one that does not exist)."""
    ns = name.split(":")[0] if ":" in name else ""
    params = re.findall(r"<(\w+):(\w+)>", route)
    combos: list[dict[str, Any]] = [{}]
    for conv, p in params:
        new: list[dict[str, Any]] = []
        for c in combos:
            if p in CHILD_PARAM:
                label, parent, fk = CHILD_PARAM[p]
                rows = list(apps.get_model(label)._base_manager.order_by("pk").values_list("pk", fk))
                for pk, parent_pk in {rows[0], rows[-1]} if rows else set():
                    new.append({**c, parent: parent_pk, p: pk})
                new.append({**c, p: MISSING})
                continue
            if conv == "int" and p == "year":
                years = sorted(
                    set(apps.get_model("workdays.CalendarYear")._base_manager.values_list("year", flat=True))
                )
                values: list[Any] = [*years[:2], 1900, 9999]
            elif conv == "int":
                values = [*_ids(PARAM_MODEL_IN.get((ns, p)) or PARAM_MODEL[p]), MISSING]
            elif conv == "slug":
                values = ["zzz"]
            else:
                values = _str_values(name)
            new.extend({**c, p: v} for v in values)
        combos = new
    names = {p for _, p in params}
    out: dict[str, bool] = {}
    for c in combos:
        if set(c) != names:
            continue
        url = "/" + re.sub(r"<\w+:(\w+)>", "{\\1}", route).format(**c)
        out[url] = MISSING in c.values()
    return list(out.items())


def all_urls() -> list[tuple[str, str, bool]]:
    return [(name, url, missing) for route, name in page_routes() for url, missing in fill(route, name)]


# ----------------------------------------------------------------------------- page text

_HIDDEN = re.compile(r"<(script|style|code|textarea)\b.*?</\1>|<!--.*?-->", re.S | re.I)
_NONE = re.compile(r"(?<![A-Za-z])(None|undefined|null|NaN)(?![A-Za-z])")


def visible_text(body: str) -> str:
    text = re.sub(r"<[^>]+>", " ", _HIDDEN.sub(" ", body))
    return re.sub(r"\s+", " ", html.unescape(text))


def is_html(r: Any) -> bool:
    return "html" in r.get("Content-Type", "") and not getattr(r, "streaming", False)


def browser(client_as: Callable[[str], Client], role: str, lang: str | None = None) -> Client:
    c = client_as(role) if role != "anonymous" else Client()
    c.raise_request_exception = False
    if lang:
        c.cookies["django_language"] = lang
    return c


def get_status(client: Client, url: str) -> int:
    return client.get(url).status_code


# ----------------------------------------------------------------------------- broad crawls


@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
def test_every_page_with_real_and_missing_ids_answers_below_500_for_each_role(
    client_as: Callable[[str], Client], role: str
) -> None:
    client = browser(client_as, role)
    crashes: list[tuple[str, int]] = []
    leaks: list[tuple[str, Any]] = []
    not_refused: list[str] = []
    for _name, url, missing in all_urls():
        r = client.get(url)
        if r.status_code >= 500:
            crashes.append((url, r.status_code))
            continue
        if missing and r.status_code == 200:
            not_refused.append(url)  # an id that does not exist must be 404/403/redirect/405
        if is_html(r):
            body = r.content.decode("utf-8", "replace")
            text = visible_text(body)
            if "Traceback" in body or _NONE.search(text):
                leaks.append((url, _NONE.findall(text)[:3] or "Traceback"))
    assert crashes == []
    assert leaks == []
    assert not_refused == []


# Words in Latin letters that the Simplified Chinese UI shows on purpose (product and format names,
# the package the holiday calendar comes from, the Open311 host). Metric keys, command names and
# audit action codes are in <code> or are editable data and are not looked at.
# "English": the language menu names each language in its own words, English included
ALLOWED_LATIN = {"Linli", "Excel", "Webhook", "GeoReport v", "testserver", "chinese", "calendar", "English"}


def test_pages_in_the_default_chinese_ui_show_no_untranslated_english_words(
    client_as: Callable[[str], Client],
) -> None:
    found: dict[str, set[str]] = {}
    for role in ("admin", "resident"):
        client = browser(client_as, role)
        seen: set[str] = set()
        for name, url, missing in all_urls():
            if missing or name in seen:
                continue
            r = client.get(url)
            if r.status_code != 200 or not is_html(r):
                continue
            seen.add(name)
            # the data the demo holds (audit rows, privacy register, categories, metric legends) is not UI text
            if name in ("audit:index", "privacy:register", "tickets:categories", "tickets:metrics", "visits:figures"):
                continue
            for word in re.findall(r"[A-Za-z][A-Za-z' ]{3,}[A-Za-z]", visible_text(r.content.decode())):
                if word.strip() not in ALLOWED_LATIN and not re.fullmatch(r"[a-z_]+", word):
                    found.setdefault(word.strip(), set()).add(url)
    assert found == {}


@pytest.mark.parametrize("lang", ["en", "zh-hant"])
def test_every_page_renders_in_english_and_traditional_chinese_without_crash_or_none(
    client_as: Callable[[str], Client], lang: str
) -> None:
    problems: list[tuple[str, str, Any]] = []
    for role in ("admin", "resident"):
        client = browser(client_as, role, lang)
        seen: set[str] = set()
        for name, url, missing in all_urls():
            if missing or name in seen:
                continue
            r = client.get(url)
            if r.status_code >= 500:
                problems.append((role, url, r.status_code))
                continue
            if r.status_code == 200 and is_html(r):
                seen.add(name)
                body = r.content.decode()
                if "<html" in body and f'lang="{lang}"' not in body:
                    problems.append((role, url, "html lang"))
                text = visible_text(body)
                # "None yet" / "None" are the English words for 暂无 / 无
                if "Traceback" in body or re.search(r"(?<![A-Za-z])(undefined|null|NaN)(?![A-Za-z])", text):
                    problems.append((role, url, "leak"))
    assert problems == []


# Parameters each list/report page reads (recorded by watching request.GET during a crawl), plus
# status/q/cursor/page, which every list is tried with.
PAGE_PARAMS: dict[str, list[str]] = {
    "/audit/": ["action", "actor", "cursor", "from", "outcome", "target", "to"],
    "/co-building/mine/": ["category", "description", "place_id", "title"],
    "/co-building/needs/": ["cursor", "description", "status", "title"],
    "/co-building/partners/": ["year"],
    "/co-building/projects/": ["budget", "cursor", "description", "need", "need_id", "title"],
    "/co-building/ratings/": ["year", "form"],
    "/co-building/resources/": ["category", "cursor", "description", "title"],
    "/co-building/funds/": ["name"],
    "/co-building/charters/": ["compound", "cursor", "kind", "node", "status"],
    "/co-building/charters/new/": ["compound", "kind"],
    "/deliberation/mediation/": ["cursor"],
    "/deliberation/meetings/": ["cursor"],
    "/deliberation/mediation/rates/": ["end", "node", "start"],
    "/deliberation/committee-meetings/": ["end", "node", "start"],
    "/deliberation/venues/": ["cursor"],
    "/deliberation/legal-sessions/": ["cursor"],
    "/deliberation/legal-sessions/figures/": ["end", "node", "start"],
    "/deliberation/topics/new/": ["ticket"],
    "/deliberation/topics/": ["cursor"],
    "/deliberation/votes/new/": ["topic"],
    "/deliberation/votes/": ["cursor"],
    "/insights/": ["month", "node", "since", "until"],
    "/insights/figures/response_rate/": ["month", "node", "since", "until"],
    "/insights/map/": ["figure", "month", "node", "since", "until"],
    "/insights/records/visits/": ["cursor", "month", "node", "since", "until"],
    "/insights/reports/": ["node"],
    "/insights/requests/": ["category", "cursor", "figure", "month", "node", "overdue", "since", "source", "until"],
    "/insights/screen/": ["refresh", "month"],
    "/inbox/deliveries/": ["cursor", "status"],
    "/inbox/": ["cursor", "unread"],
    "/party-life/": ["period"],
    "/party-life/figures/": ["day", "period"],
    "/ledger/corrections/": ["status"],
    "/ledger/": ["building", "cursor", "moved_out", "q", "residence_type", "tag"],
    "/privacy/requests/": ["cursor", "status"],
    "/routing/hotspots/": ["days", "node"],
    "/routing/intake-panel/": ["description", "place_id", "title"],
    "/requests/entry/": ["place_id", "source"],
    "/requests/metrics/": ["node", "since", "until"],
    "/requests/new/": ["lat", "lng", "place_id"],
    "/requests/problems/": ["community"],
    "/requests/": ["care_tag", "category", "compound", "cursor", "overdue", "q", "queue", "source", "status"],
    "/requests/mine/": ["cursor", "status"],
    "/visits/coverage/": ["node"],
    "/teams/": ["node"],
    "/teams/standards/": ["place"],
    "/duties/": ["street", "from", "to"],
    "/duties/tasks/": ["status"],
    "/venues/": ["place", "purpose", "capacity", "from", "to"],
    "/venues/mine/": [],
    "/venues/new/": ["place"],
    "/elections/": ["place", "from", "to"],
    "/elections/new/": ["place"],
    "/commons/": ["node", "from", "to"],
    "/grants/": ["node", "from", "to"],
    "/rota/figures/": ["node", "since", "until"],
    "/rota/desks/new/": [],
    "/workforce/": ["node", "status", "employment", "cursor"],
    "/workforce/figures/": ["node", "from", "to"],
    "/workforce/trainings/": ["cursor"],
    "/workforce/new/": [],
    "/guide/": [],
    "/guide/figures/": ["node", "from", "to"],
    "/visits/figures/": ["node", "since", "until"],
    "/visits/hazards/": ["name"],
    "/visits/": ["all", "cursor", "kind"],
    "/visits/new/": ["building", "hazard", "household"],
    "/volunteering/activities/": ["cursor", "status"],
    "/volunteering/wishes/stats/": ["end", "start"],
    "/volunteering/wishes/": ["status"],
    "/volunteering/teams/": ["kind"],
    "/volunteering/covenants/": ["cursor", "state", "community"],
    "/volunteering/covenants/new/": ["team", "community"],
    "/volunteering/reporting/": ["place", "year", "cursor"],
    "/accounts/admin/sessions/": ["cursor", "user"],
}
ODD_VALUES = [
    "",
    "zzz",
    "2026-02-30",
    "0000-01-01",
    "9999-12-31",
    "0001-01-01",
    "-1",
    "99999999999999999999999",
    "中文😀",
    " 1 ",
    "2026-13",
]
# free-text parameters (pre-filled form fields, search boxes) get only these
TEXT_PARAMS = {"title", "description", "name", "action", "actor", "target", "form", "q"}
TEXT_VALUES = ["", "A" * 3000, "中文😀", "' OR 1=1--"]
# tried on every list, also those that do not read them
EVERY_LIST = {"status": ["", "zzz"], "q": ["A" * 3000, "中文😀"], "cursor": ["", "garbage", "-1"], "page": ["-1", "0"]}
RANGES = [("since", "until"), ("start", "end"), ("from", "to")]


def odd_queries(path: str) -> list[str]:
    skip = KNOWN_DEFECTS.get(path, set())
    params = [p for p in dict.fromkeys([*PAGE_PARAMS[path], *EVERY_LIST]) if p not in skip]
    queries = [
        urlencode({p: v})
        for p in params
        for v in (TEXT_VALUES if p in TEXT_PARAMS else ODD_VALUES if p in PAGE_PARAMS[path] else EVERY_LIST[p])
    ]
    queries += [f"{p}=a&{p}=b" for p in params]
    queries.append(urlencode({"q": "邻里" * 1000 + "😀"}))
    for a, b in RANGES:
        if a in PAGE_PARAMS[path] and not skip & {a, b}:
            queries += [urlencode({a: "2026-12-31", b: "2026-01-01"}), urlencode({a: "2026-02", b: "2025-02"})]
    queries.append(urlencode({p: "" for p in params}))
    return queries


# Run as the administrator, who can open every list. (The same crawl with a larger set of values was
# run once as every role while writing this file; the other roles found nothing the admin does not.)
@pytest.mark.parametrize("role", ["admin"])
def test_list_and_report_pages_answer_odd_query_strings_below_500(
    client_as: Callable[[str], Client], role: str
) -> None:
    client = browser(client_as, role)
    crashes: list[tuple[str, str, Any]] = []
    for path in PAGE_PARAMS:
        if client.get(path).status_code != 200:
            continue  # the role cannot open this page at all; its refusal does not read the query
        for q in odd_queries(path):
            r = client.get(f"{path}?{q}")
            if r.status_code >= 500:
                crashes.append((path, q[:80], r.status_code))
            elif is_html(r) and "Traceback" in r.content.decode("utf-8", "replace"):
                crashes.append((path, q[:80], "traceback"))
    assert crashes == []


def test_login_and_language_switch_answer_odd_input_below_500(client_as: Callable[[str], Client]) -> None:
    anonymous = browser(client_as, "anonymous")
    statuses = {}
    for nxt in [
        "",
        "//evil.example/",
        "javascript:alert(1)",
        "/" + "a" * 3000,
        "/中文😀/",
        "%",
        "/requests/?status=zzz",
    ]:
        for path in ("/accounts/login/", "/accounts/login/code/"):
            statuses[(path, nxt[:20])] = anonymous.get(path, {"next": nxt}).status_code
    for lang, nxt in [("zz", "/"), ("", "/"), ("en", "//evil.example/"), ("zh-hant", "/requests/?q=邻里")]:
        statuses[("setlang", lang)] = anonymous.post("/i18n/setlang/", {"language": lang, "next": nxt}).status_code
    assert [k for k, v in statuses.items() if v >= 500] == []


# ----------------------------------------------------------------------------- one test per defect


@pytest.mark.parametrize("query", ["to=9999-12-31", "from=0001-01-01"])
def test_the_audit_log_filtered_at_the_ends_of_the_calendar_is_not_a_500(
    client_as: Callable[[str], Client], query: str
) -> None:
    assert get_status(browser(client_as, "admin"), f"/audit/?{query}") < 500


@pytest.mark.parametrize("role", ["admin", "resident"])
@pytest.mark.parametrize("year", ["-1", "1", "10000", "99999999999999999999999"])
def test_the_partners_page_for_an_impossible_year_is_refused_not_a_500(
    client_as: Callable[[str], Client], role: str, year: str
) -> None:
    assert get_status(browser(client_as, role), f"/co-building/partners/?year={year}") < 500


@pytest.mark.parametrize("query", ["start=2026-02-30", "end=2026-02-30", "start=0000-01-01", "start=2026-13-01"])
def test_the_mediation_rates_page_with_an_impossible_date_is_refused_not_a_500(
    client_as: Callable[[str], Client], query: str
) -> None:
    assert get_status(browser(client_as, "street"), f"/deliberation/mediation/rates/?{query}") < 500


@pytest.mark.parametrize("query", ["day=9999-12-31", "period=year&day=9999-01-01", "period=month&day=9999-11-30"])
def test_the_party_figures_for_a_day_in_year_9999_are_refused_or_shown_not_a_500(
    client_as: Callable[[str], Client], query: str
) -> None:
    assert get_status(browser(client_as, "admin"), f"/party-life/figures/?{query}") < 500


@pytest.mark.parametrize("role", ["admin", "grid"])
@pytest.mark.parametrize("query", ["until=9999-12-31", "since=0001-01-01"])
def test_the_request_metrics_at_the_ends_of_the_calendar_are_not_a_500(
    client_as: Callable[[str], Client], role: str, query: str
) -> None:
    assert get_status(browser(client_as, role), f"/requests/metrics/?{query}") < 500


@pytest.mark.parametrize("role", ["admin", "grid"])
@pytest.mark.parametrize("building", ["zzz", "1.5", "中文😀"])
def test_the_visit_building_picker_with_a_non_numeric_building_is_refused_not_a_500(
    client_as: Callable[[str], Client], role: str, building: str
) -> None:
    assert get_status(browser(client_as, role), "/visits/new/?" + urlencode({"building": building})) < 500


@pytest.mark.parametrize("query", ["end=9999-12-31", "start=0001-01-01"])
def test_the_wish_statistics_at_the_ends_of_the_calendar_are_not_a_500(
    client_as: Callable[[str], Client], query: str
) -> None:
    assert get_status(browser(client_as, "admin"), f"/volunteering/wishes/stats/?{query}") < 500


@pytest.mark.parametrize("lang", ["en", "zh-hant"])
def test_position_names_on_the_visit_requirement_pages_are_translated(
    client_as: Callable[[str], Client], lang: str
) -> None:
    client = browser(client_as, "admin", lang)
    rules = visible_text(client.get("/visits/rules/").content.decode())
    coverage = visible_text(client.get("/visits/coverage/").content.decode())
    assert "社区工作者" not in rules
    assert "街道领导" not in rules
    assert "社区书记" not in coverage


@pytest.mark.parametrize("lang", ["en", "zh-hant"])
def test_the_figure_definitions_on_metrics_pages_are_translated(client_as: Callable[[str], Client], lang: str) -> None:
    client = browser(client_as, "admin", lang)
    metrics = client.get("/requests/metrics/").content.decode()
    figures = client.get("/visits/figures/").content.decode()
    assert "有评价的诉求" not in metrics
    assert "当场解决的问题" not in figures
