"""The English and Traditional Chinese catalogues cover every message, and the compiled files match.

When this fails after new strings were added: run `make messages`, then
`.venv/bin/python scripts/i18n_todo.py list > todo.json`, translate, and
`.venv/bin/python scripts/i18n_todo.py merge done.json` (docs/translations.md).
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import polib
import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ["en", "zh_Hant"]
CJK = re.compile(r"[\u3400-\u9fff]")


def load_todo():
    spec = importlib.util.spec_from_file_location("i18n_todo", ROOT / "scripts" / "i18n_todo.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


todo = load_todo()


@pytest.fixture(autouse=True)
def _back_to_the_default_language():
    """A request in English leaves English active in this thread; later tests expect Chinese."""
    yield
    translation.deactivate()


def catalogue(locale: str) -> polib.POFile:
    return polib.pofile(str(ROOT / "locale" / locale / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_has_a_checked_translation_with_the_same_placeholders(locale):
    problems = todo.catalogue_problems(catalogue(locale))
    assert problems == [], f"{len(problems)} problem(s) in {locale}; first ones: {problems[:10]}"


@pytest.mark.parametrize("locale", LOCALES)
def test_the_compiled_catalogue_holds_exactly_the_translations_of_the_po_file(locale):
    po = catalogue(locale)
    mo = polib.mofile(str(ROOT / "locale" / locale / "LC_MESSAGES" / "django.mo"))
    compiled = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in mo if e.msgid}
    source = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in po.translated_entries()}
    stale = sorted(k[1] for k in source.keys() ^ compiled.keys())
    assert stale == [], f"django.mo is out of date for {locale} (run scripts/i18n.py): {stale[:10]}"
    changed = [k[1] for k, v in source.items() if compiled[k] != v]
    assert changed == [], f"django.mo differs from django.po for {locale}: {changed[:10]}"


def test_english_text_is_english_not_a_copy_of_the_chinese():
    leftovers = [
        e.msgid
        for e in catalogue("en").translated_entries()
        # Chinese proper terms may follow in brackets, "(双报到)"; Chinese with no Latin letter is a copy.
        # (A sentence split around a date may leave just "." — that is English enough.)
        if CJK.search(text := e.msgstr or "".join(e.msgstr_plural.values())) and not re.search(r"[A-Za-z]", text)
    ]
    assert leftovers == []


def test_a_translation_that_drops_a_placeholder_is_refused_and_nothing_is_merged():
    po = polib.POFile()
    po.append(polib.POEntry(msgid="已结束 %(n)d 个会话", msgstr="", flags=["python-format"]))
    po.append(polib.POEntry(msgid="账号安全", msgstr=""))
    po.append(polib.POEntry(msgid="共 {count} 条", msgstr="", flags=["fuzzy"], previous_msgid="共 {n} 条"))

    changed, problems = todo.merge(
        po,
        [
            {"msgid": "已结束 %(n)d 个会话", "msgstr": "Ended some sessions"},
            {"msgid": "账号安全", "msgstr": "Account security"},
        ],
    )

    assert changed == 0
    assert problems and "%(n)d" in problems[0]
    assert po.find("账号安全").msgstr == ""


def test_merging_translations_clears_fuzzy_and_leaves_empty_items_for_later():
    po = polib.POFile()
    po.append(polib.POEntry(msgid="共 {count} 条", msgstr="{count} guessed", flags=["fuzzy"], previous_msgid="共 {n}"))
    po.append(polib.POEntry(msgid="<b>注意</b>", msgstr=""))
    po.append(polib.POEntry(msgid="稍后再译", msgstr=""))
    items = todo.todo_items(po)
    assert [i["msgid"] for i in items] == ["共 {count} 条", "<b>注意</b>", "稍后再译"]
    assert items[0]["fuzzy_guess"] == "{count} guessed" and items[0]["previous_msgid"] == "共 {n}"

    items[0]["msgstr"] = "{count} items in all"
    items[1]["msgstr"] = "<b>Note</b>"
    changed, problems = todo.merge(po, items)

    assert (changed, problems) == (2, [])
    entry = po.find("共 {count} 条")
    assert entry.msgstr == "{count} items in all" and "fuzzy" not in entry.flags and entry.previous_msgid is None
    assert [i["msgid"] for i in todo.todo_items(po)] == ["稍后再译"]


def test_a_translation_that_breaks_html_or_a_format_field_is_reported():
    bad_tag = polib.POEntry(msgid="<b>注意</b>", msgstr="Note")
    bad_field = polib.POEntry(msgid="共 {count} 条", msgstr="{n} items")
    literal_percent = polib.POEntry(msgid="党员占比不低于 50%%", msgstr="at least 50% Party members")

    assert todo.entry_problems(bad_tag) and todo.entry_problems(bad_field)
    assert todo.entry_problems(literal_percent), "a blocktranslate body needs %% to stay %%"


def test_pages_render_the_new_strings_in_english(client_as):
    client = client_as("admin")

    page = client.get("/accounts/security/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Account security" in page and "Two-factor authentication" in page
    assert "账号安全" not in page


def test_traditional_chinese_is_offered_and_generated():
    with translation.override("zh-hant"):
        assert translation.gettext("两步验证") == "兩步驗證"


def chart_data(page: str) -> dict:
    return json.loads(re.search(r'id="insights-chart"[^>]*>(.*?)</script>', page, re.S).group(1))


def test_the_dashboard_in_english_names_its_figures_periods_and_chart_legend_in_english(client_as):
    page = client_as("street").get("/insights/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Response rate" in page and "Resolution rate" in page and "响应率" not in page
    assert " to " in page and " 至 " not in page  # the period label
    chart = chart_data(page)
    assert chart["trend"]["series"] == {"received": "Received", "resolved": "Resolved"}
    assert chart["trend"]["labels"] and not any(CJK.search(label) for label in chart["trend"]["labels"])


def test_the_dashboard_in_chinese_is_unchanged(client_as):
    page = client_as("street").get("/insights/").content.decode()

    assert "响应率" in page and " 至 " in page
    assert chart_data(page)["trend"]["series"] == {"received": "受理", "resolved": "办结"}


def test_the_map_figure_names_and_its_load_error_are_translated(client_as):
    client = client_as("street")

    page = client.get("/insights/map/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    data = client.get("/insights/map/data.json?figure=overdue", HTTP_ACCEPT_LANGUAGE="en").json()

    assert "Overdue requests" in page and "超期诉求" not in page
    assert "The map data could not be loaded" in page
    assert data["label"] == "Overdue requests"


def test_property_service_grades_are_shown_translated_but_stored_in_chinese(client_as):
    page = client_as("street").get("/co-building/property/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert '<option value="一级">Level 1</option>' in page


def test_the_routing_keyword_fallback_explains_itself_in_english(client_as):
    page = (
        client_as("community")
        .get("/routing/intake-panel/", {"description": "路灯坏了"}, HTTP_ACCEPT_LANGUAGE="en")
        .content.decode()
    )

    assert "No model trained yet" in page and "仅供参考" not in page


def test_a_project_timeline_names_each_status_in_words_and_shows_events_without_a_person_as_the_system(
    client_as,
):
    import random

    from linli.cobuilding.demo import build_demo_cobuilding
    from linli.cobuilding.models import ProjectEvent, ProjectStatus

    build_demo_cobuilding(random.Random(3))
    event = ProjectEvent.objects.filter(actor=None).first()
    assert event is not None  # the demo files its history without a person

    response = client_as("street").get(f"/co-building/projects/{event.project_id}/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    timeline = re.search(r"<ol>(.*?)</ol>", response.content.decode(), re.S).group(1)
    with translation.override("en"):
        label = str(ProjectStatus(event.to_status).label)
    assert "System" in timeline and f"· {label}" in timeline
    assert f"· {event.to_status}<" not in timeline  # not the stored code


@pytest.mark.parametrize("app", ["accounts", "insights", "routing", "cobuilding", "privacy"])
def test_templates_wrap_every_chinese_word_and_full_width_mark_for_translation(app):
    bare = [
        f"{path.name}:{line}: {text}"
        for path in sorted((ROOT / "templates" / app).rglob("*.html"))
        for line, text in todo.bare_chinese(path.read_text(encoding="utf-8"))
    ]
    assert bare == []


def test_the_template_scan_sees_bare_text_and_ignores_wrapped_text_and_comments():
    template = (
        '{% translate "账号安全" %}{# 注释 #}<p title="{% translate \'提示\' %}">'
        "{% blocktranslate %}共 {{ n }} 条{% endblocktranslate %}</p>\n"
        '{% include "x.html" with label=_("书记") %}<b>未巡查</b>{{ a }}、{{ b }}'
    )

    assert todo.bare_chinese(template) == [(2, "未巡查"), (2, "、")]


def test_confirmation_messages_after_an_action_are_in_the_readers_language(client_as):
    from linli.tickets.models import Category

    category = Category.objects.create(name="路灯照明")
    client = client_as("admin")

    response = client.post(
        "/routing/keywords/",
        {"category_id": category.pk, "words": "路灯 照明"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert "Keywords saved" in response.content.decode()
    response = client.post("/routing/keywords/", {"category_id": category.pk, "words": "路灯"}, follow=True)
    assert "关键词已保存" in response.content.decode()


def test_counts_on_the_dashboard_read_as_english_phrases_not_a_number_glued_to_a_word(client_as):
    page = client_as("street").get("/insights/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert re.search(r"\d+ people served", page) and re.search(r"/\d+ households\)", page)
    assert not re.search(r"\d(People|Households)", page)


def test_list_totals_and_the_routing_audit_read_as_english_sentences(client_as):
    requests_page = client_as("street").get("/insights/requests/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    audit_page = client_as("admin").get("/routing/accuracy/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert re.search(r'<b id="list-count">\d+</b> requests in all', requests_page)
    assert re.search(r"\d+ of \d+ suggestions correct", audit_page) and "categorised automatically" in audit_page
