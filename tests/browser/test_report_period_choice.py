"""The report form offers the period numbers of the kind chosen (static/core/linli.js): months 1–12 for a
monthly report, 1–4 for a quarterly one, none for a yearly one. The server checks the pair as well
(tests/test_forms_keep_input.py)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

OFFERED = "sel => [...sel.options].filter(o => !o.disabled && !o.hidden).map(o => o.value)"


def test_choosing_a_quarterly_report_offers_quarters_one_to_four_and_a_yearly_one_no_number(login, live_demo):
    page = login("street")
    page.set_default_timeout(60_000)  # a shared machine: the first render can be slow
    page.goto(f"{live_demo.url}/insights/reports/")
    number = page.locator("select[name=number]")
    assert number.evaluate(OFFERED) == [str(n) for n in range(1, 13)]
    page.select_option("select[name=number]", "11")
    page.select_option("select[name=period_kind]", "quarter")
    assert number.evaluate(OFFERED) == ["1", "2", "3", "4"]
    assert number.input_value() == "1"  # month 11 is no quarter: the first one is chosen instead
    page.select_option("select[name=period_kind]", "year")
    assert number.is_disabled()
    page.select_option("select[name=period_kind]", "month")
    assert not number.is_disabled() and number.evaluate(OFFERED) == [str(n) for n in range(1, 13)]
