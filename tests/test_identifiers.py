"""Chinese identifiers are validated by kept libraries, with messages a community worker understands."""

from __future__ import annotations

import pytest
from stdnum.cn import ric

from linli.core.errors import InvalidInput
from linli.core.identifiers import (
    gender_from_id,
    national_phone,
    normalise_id_number,
    normalise_phone,
    normalise_uscc,
)
from linli.core.masking import mask_id_number, mask_name, mask_phone


def _id(area: str, birth: str, seq: str) -> str:
    body = f"{area}{birth}{seq}"
    return body + ric.calc_check_digit(body + "0")


def test_a_valid_id_is_accepted_and_upper_cased():
    number = _id("110101", "19900307", "123")
    assert normalise_id_number(f" {number.lower()} ") == number


def test_a_wrong_checksum_is_named():
    number = _id("110101", "19900307", "123")
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    with pytest.raises(InvalidInput, match="校验位错误"):
        normalise_id_number(wrong)


def test_an_impossible_birth_date_is_refused():
    with pytest.raises(InvalidInput, match="出生日期或地区码无效"):
        normalise_id_number(_id("110101", "19900230", "123"))


def test_a_birth_date_in_the_future_is_refused():
    with pytest.raises(InvalidInput, match="在未来"):
        normalise_id_number(_id("110101", "20990101", "123"))


def test_fifteen_digit_legacy_ids_are_refused_with_an_explanation():
    with pytest.raises(InvalidInput, match="15位旧身份证号已停止使用"):
        normalise_id_number("110101900307123")


def test_phones_accept_spaces_dashes_and_country_code():
    for raw in ("138 1234 5678", "+86 138-1234-5678", "8613812345678", "13812345678"):
        assert normalise_phone(raw) == "+8613812345678"
    assert national_phone("+8613812345678") == "13812345678"


def test_a_short_phone_is_refused():
    with pytest.raises(InvalidInput) as err:
        normalise_phone("1381234")
    assert err.value.field == "phone"


def test_uscc_is_checked():
    with pytest.raises(InvalidInput, match="统一社会信用代码"):
        normalise_uscc("91110000600037341X")


def test_gender_comes_from_the_seventeenth_digit():
    assert gender_from_id(_id("110101", "19900307", "123")) == "M"
    assert gender_from_id(_id("110101", "19900307", "124")) == "F"


def test_masks():
    assert mask_id_number("11010119900307123X") == "110101********123X"
    assert mask_phone("+8613812345678") == "138****5678"
    assert mask_name("张三丰") == "张*丰"
    assert mask_name("李四") == "李*"
