"""Bad input, generated: the ID/phone/credit-code validators and the spreadsheet importer never crash;
every refusal is an ``InvalidInput`` naming the field (or an error row naming row and column)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linli.core.errors import InvalidInput
from linli.core.identifiers import (
    birth_date_from_id,
    normalise_id_number,
    normalise_phone,
    normalise_uscc,
    validate_uscc,
)
from linli.people.fakes import make_id

ID_CHARS = st.sampled_from("0123456789Xx -\u3000１２３")
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(st.text(max_size=40) | st.text(alphabet=ID_CHARS, min_size=15, max_size=20))
def test_any_text_as_an_id_number_is_either_normalised_or_refused_with_a_reason(raw):
    try:
        out = normalise_id_number(raw)
    except InvalidInput as exc:
        assert exc.field == "id_number" and exc.message
    else:
        assert len(out) == 18 and out[:17].isdigit() and out[17] in "0123456789X"
        assert birth_date_from_id(out) <= timezone.localdate()


@FUZZ
@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31)), st.integers(0, 999))
def test_every_well_formed_id_number_is_accepted_and_keeps_its_birth_date(born, serial):
    number = make_id(born, serial % 2 + 1)
    assert normalise_id_number(number.lower()) == number
    assert birth_date_from_id(number) == born


@FUZZ
@given(st.text(max_size=30) | st.text(alphabet="+860123456789 -()", max_size=20))
def test_any_text_as_a_phone_is_either_e164_or_refused_with_a_reason(raw):
    try:
        out = normalise_phone(raw)
    except InvalidInput as exc:
        assert exc.field == "phone" and exc.message
    else:
        assert out.startswith("+") and out[1:].isdigit()


@FUZZ
@given(st.from_regex(r"1(3[0-9]|5[0-35-9]|8[0-9])[0-9]{8}", fullmatch=True))
def test_every_mainland_mobile_number_normalises_to_plus_86(number):
    assert normalise_phone(number) == "+86" + number


@FUZZ
@given(st.text(max_size=30) | st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=18, max_size=18))
def test_any_text_as_a_credit_code_is_either_valid_or_refused_with_a_reason(raw):
    for check in (normalise_uscc, validate_uscc):
        try:
            out = check(raw)
        except InvalidInput as exc:
            assert exc.field == "uscc" and exc.message
        else:
            assert len(out) == 18


CELL = st.text(max_size=25) | st.sampled_from(["", "=cmd|' /C calc'!A0", "王小明", "110101198001010011", "1e9"])


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(st.lists(CELL, min_size=0, max_size=12), max_size=8), encoding=st.sampled_from(["utf-8", "gb18030"])
)
def test_the_importer_reports_every_bad_generated_row_and_never_crashes(users, rows, encoding):
    from linli.people.import_services import import_preview
    from linli.people.sheets import TEMPLATE_HEADERS

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(TEMPLATE_HEADERS)
    writer.writerows(rows)
    try:
        content = buffer.getvalue().encode(encoding)
    except UnicodeEncodeError:
        content = buffer.getvalue().encode("utf-8")
    try:
        batch = import_preview(actor=users["community"], upload=io.BytesIO(content), name="居民.csv", size=len(content))
    except InvalidInput as exc:  # a whole-file refusal (empty, unreadable) still says why
        assert exc.message
        return
    assert batch.total_rows == batch.valid_rows + batch.error_rows
    for error in batch.errors:
        row_number, _column, reason = error
        assert isinstance(row_number, int) and row_number >= 2 and reason


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(blob=st.binary(max_size=2000), name=st.sampled_from(["居民.xlsx", "居民.csv", "居民.xls", "a.txt"]))
def test_the_importer_refuses_arbitrary_bytes_with_a_message_not_a_crash(users, blob, name):
    from linli.people.import_services import import_preview

    try:
        batch = import_preview(actor=users["community"], upload=io.BytesIO(blob), name=name, size=len(blob))
    except InvalidInput as exc:
        assert exc.message
    else:
        assert batch.total_rows == batch.valid_rows + batch.error_rows
