from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from linli.accounts.services import two_factor_enrolled, two_factor_verify

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=True)
def test_it_enrols_a_demo_account_and_prints_a_code_the_login_accepts(users: dict[str, Any]) -> None:
    out = io.StringIO()
    call_command("demo_totp", "street", stdout=out)
    line = out.getvalue().strip()
    assert line.startswith("street: ")
    code = line.split()[1]
    assert two_factor_enrolled(users["street"])
    assert two_factor_verify(user=users["street"], code=code) == "totp"


@override_settings(DEBUG=True)
def test_it_prints_the_current_code_again_without_re_enrolling(users: dict[str, Any]) -> None:
    call_command("demo_totp", "community", stdout=io.StringIO())
    secret_line = io.StringIO()
    call_command("demo_totp", "community", stdout=secret_line)
    first = io.StringIO()
    call_command("demo_totp", "community", stdout=first)
    assert first.getvalue().split("secret ")[1] == secret_line.getvalue().split("secret ")[1]


@override_settings(DEBUG=False)
def test_it_refuses_outside_development(users: dict[str, Any]) -> None:
    with pytest.raises(CommandError, match="DEBUG=1"):
        call_command("demo_totp", "street", stdout=io.StringIO())
    assert not two_factor_enrolled(users["street"])


@override_settings(DEBUG=True)
def test_it_names_an_unknown_account(users: dict[str, Any]) -> None:
    with pytest.raises(CommandError, match="nobody"):
        call_command("demo_totp", "nobody", stdout=io.StringIO())
