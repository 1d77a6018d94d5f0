"""Reference data the platform seeds in Chinese — care tags, the visit checklists (六查, 三看), the privacy
register — shows in the reader's language; what staff typed themselves shows as typed.

The seed migrations mark their texts with ``gettext_noop`` (a no-op: the database keeps Chinese); the pages
pass them through ``core.i18n.seeded`` (the ``|seeded`` filter) when shown.
"""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.utils import translation

from linli.core.i18n import seeded
from linli.people.models import CareTag

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
SEED_MIGRATIONS = {
    "linli.people.migrations.0003_seed_care_tags": ["TAGS"],
    "linli.people.migrations.0010_seed_five_elders_4050": ["TAGS"],
    "linli.visits.migrations.0002_seed_defaults": ["TEMPLATES"],
    "linli.visits.migrations.0004_checklists_in_the_seeds_words": ["NEW", "CARE_VISIT"],
    "linli.privacy.migrations.0002_seed_data_categories": ["CATEGORIES"],
}


@pytest.fixture(autouse=True)
def _back_to_the_default_language():
    yield
    translation.deactivate()


def chinese_texts(value: Any) -> list[str]:
    """Every string with a Chinese character anywhere inside a seed table."""
    if isinstance(value, str):
        return [value] if any("\u4e00" <= ch <= "\u9fff" for ch in value) else []
    if isinstance(value, list | tuple):
        return [text for item in value for text in chinese_texts(item)]
    if isinstance(value, dict):
        return chinese_texts(list(value.values()))
    return []


def test_every_seeded_text_has_an_english_translation():
    missing = []
    with translation.override("en"):
        for module, tables in SEED_MIGRATIONS.items():
            for text in chinese_texts([getattr(importlib.import_module(module), table) for table in tables]):
                if seeded(text) == text:
                    missing.append(text)
    assert missing == [], f"seeded texts without an English translation (mark them, then make messages): {missing}"


def test_the_database_keeps_the_seeds_in_chinese():
    assert CareTag.objects.get(code="living_alone").name == "独居老人"


def test_a_text_staff_typed_and_an_empty_text_stay_as_they_are():
    with translation.override("en"):
        assert seeded("3号楼加装电梯意向户") == "3号楼加装电梯意向户"
        assert seeded("") == ""


def test_the_ledger_shows_care_tags_in_english_and_traditional_chinese(client_as):
    client = client_as("community")

    english = client.get("/ledger/", **EN).content.decode()
    traditional = client.get("/ledger/", HTTP_ACCEPT_LANGUAGE="zh-hant").content.decode()
    chinese = client.get("/ledger/").content.decode()

    assert "Elderly living alone" in english and "独居老人" not in english
    assert "獨居老人" in traditional
    assert "独居老人" in chinese


def test_the_checklists_page_shows_six_checks_in_english(client_as):
    page = client_as("community").get("/visits/checklists/", **EN).content.decode()

    assert "Six checks, six feedbacks" in page
    assert "Suspicious: suspicious people and goings-on" in page
    assert "查疑难" not in page


def test_the_privacy_register_reads_in_english_but_its_edit_form_keeps_what_is_stored(client_as):
    page = client_as("admin").get("/privacy/register/", **EN).content.decode()

    assert "Resident ledger · identity" in page
    assert "Personal Information Protection Law, Art. 13(1)(3)" in page
    # The edit form shows the stored text: saving it from an English page must not store the translation.
    assert ">社区居民登记、网格化服务管理与公共服务对象识别</textarea>" in page
