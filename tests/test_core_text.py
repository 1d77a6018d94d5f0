"""Free text from a form or the API is cleaned the same way in every service (``linli.core.text.clean_text``)."""

from __future__ import annotations

import pytest
from django.utils import translation

from linli.core.errors import InvalidInput
from linli.core.text import clean_text, whole_number


def _refusal(value: object, **options: object) -> InvalidInput:
    arguments: dict = {"field": "title", "label": "标题", "max_length": 10, **options}
    with pytest.raises(InvalidInput) as caught:
        clean_text(value, **arguments)
    return caught.value


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


def test_it_strips_surrounding_whitespace_including_full_width_spaces_and_newlines():
    assert clean_text("\u3000 路灯不亮 \n\t", field="title", label="标题", max_length=10) == "路灯不亮"


def test_it_keeps_newlines_inside_the_text():
    cleaned = clean_text("第一行\n第二行\r\n第三行\n", field="body", label="说明", max_length=20)
    assert cleaned == "第一行\n第二行\r\n第三行"


def test_it_refuses_an_empty_required_value_naming_the_field():
    refusal = _refusal("")
    assert refusal.field == "title"
    assert refusal.message == "请填写标题"


@pytest.mark.parametrize("blank", [None, "", "   ", "\u3000\u3000", "\n\n"])
def test_it_refuses_a_required_value_that_is_only_whitespace_or_missing(blank):
    assert _refusal(blank).message == "请填写标题"


@pytest.mark.parametrize("blank", [None, "", "  \u3000\n"])
def test_it_accepts_none_or_blank_for_optional_as_empty_text(blank):
    assert clean_text(blank, field="note", label="备注", max_length=10, required=False) == ""


def test_it_counts_chinese_characters_not_bytes():
    ten = "一二三四五六七八九十"  # 30 bytes in UTF-8
    assert clean_text(ten, field="title", label="标题", max_length=10) == ten


def test_it_refuses_text_one_character_too_long_naming_the_field_and_the_limit():
    refusal = _refusal("一二三四五六七八九十一")
    assert refusal.field == "title"
    assert refusal.message == "标题不能超过 10 字"


def test_the_length_is_counted_after_stripping():
    padded = "  一二三四五六七八九十  \n"
    assert clean_text(padded, field="title", label="标题", max_length=10) == "一二三四五六七八九十"


def test_an_optional_value_is_still_held_to_the_limit():
    assert _refusal("x" * 11, required=False).message == "标题不能超过 10 字"


def test_with_show_length_the_refusal_also_tells_how_long_the_text_is():
    refusal = _refusal("x" * 12, field="description", label="问题描述", show_length=True)
    assert refusal.field == "description"
    assert refusal.message == "问题描述最多 10 个字,当前 12 个字"


def test_a_value_that_is_not_text_is_taken_as_its_text():
    assert clean_text(12345, field="receipt_number", label="票据号", max_length=10) == "12345"
    assert clean_text(0, field="receipt_number", label="票据号", max_length=10) == "0"


def test_the_refusal_is_in_the_readers_language():
    with translation.override("en"):
        assert _refusal("", label="Title").message == "“Title” is required"
        assert _refusal("x" * 11, label="Title").message == "“Title” cannot be longer than 10 characters"
    with translation.override("zh-hant"):
        assert _refusal("", label="標題").message == "請填寫標題"


# ----------------------------------------------------------------------------- whole numbers


def _count(value: object, **options: object) -> int:
    arguments: dict = {"field": "seats", "label": "名额", "low": 1, "high": 500, **options}
    return whole_number(value, **arguments)


@pytest.mark.parametrize(
    ("value", "expected"), [("12", 12), (" 12 ", 12), ("１２", 12), (12, 12), ("012", 12), ("1", 1)]
)
def test_a_whole_number_is_read_from_a_form_an_input_method_or_the_api(value, expected):
    assert _count(value) == expected


@pytest.mark.parametrize("value", ["0", "501", "-1", "+5", "5.0", 5.7, "五", "1e3", "²", "9" * 5000, "9" * 19])
def test_anything_else_is_refused_with_the_range_and_never_truncated(value):
    with pytest.raises(InvalidInput) as caught:
        _count(value)
    assert caught.value.field == "seats" and str(caught.value) == "名额应为 1 到 500 之间的整数"


@pytest.mark.parametrize("value", ["", "  ", None, True, False])
def test_a_blank_or_a_boolean_asks_for_the_number_unless_there_is_a_default(value):
    with pytest.raises(InvalidInput) as caught:
        _count(value)
    assert str(caught.value) == "请填写名额"
    assert _count(value, default=3) == 3
