"""A bearer token signs in exactly when it should, and the hand-built statement behind it
(``accounts.selectors.live_token``) loads the token, its user and the user's person exactly as the ORM does."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from linli.accounts.models import ApiToken, User
from linli.accounts.selectors import live_token
from linli.accounts.services import token_authenticate, token_issue
from linli.core import crypto

pytestmark = pytest.mark.django_db


def _fields(obj):
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


@pytest.mark.parametrize("username", ["resident", "grid", "admin"])
def test_the_token_user_and_person_equal_what_the_orm_loads(users, username):
    token, key = token_issue(user=users[username])
    got = live_token(crypto.token_digest(key))
    orm = ApiToken.objects.select_related("user__person").get(pk=token.pk)
    assert got is not None
    assert _fields(got) == _fields(orm)
    assert _fields(got.user) == _fields(orm.user)
    assert (got.user.person is None) == (orm.user.person is None)
    if orm.user.person is not None:
        assert _fields(got.user.person) == _fields(orm.user.person)
        assert got.user.person._state.adding is False and got.user.person._state.db == "default"
    assert got._state.adding is False and got.user._state.db == "default"


def test_a_user_without_a_person_signs_in_with_no_person(users):
    user = User.objects.create(username="robot-client")
    _, key = token_issue(user=user)
    got = token_authenticate(key)
    assert got is not None and got.pk == user.pk and got.person is None


def test_loading_the_token_with_its_user_and_person_is_one_statement(users):
    _, key = token_issue(user=users["resident"])
    digest = crypto.token_digest(key)
    with CaptureQueriesContext(connection) as queries:
        token = live_token(digest)
        assert token is not None
        assert token.user.person.name  # already loaded: no further statement
    assert len(queries) == 1


def test_revoked_tokens_inactive_users_expired_tokens_and_unknown_keys_do_not_sign_in(users):
    token, key = token_issue(user=users["grid"])
    assert token_authenticate(key) == users["grid"]
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert token_authenticate(key) is None

    token, key = token_issue(user=users["community"])
    User.objects.filter(pk=users["community"].pk).update(is_active=False)
    assert token_authenticate(key) is None

    token, key = token_issue(user=users["volunteer"])
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert token_authenticate(key) is None

    assert token_authenticate("lnl_" + "x" * 43) is None
    assert token_authenticate("not-a-linli-key") is None


def test_signing_in_brings_the_same_position_rows_the_scope_would_read(users):
    """The sign-in statement's positions (``core.scoping.current_rows_sql``) are the rows
    ``_current_rows`` reads itself — ended ones left out, future ones and ones ending today kept, with
    their places and organisations — so scope, unit and liaison checks after a token sign-in ask nothing."""
    from linli.core import scoping
    from linli.orgs.models import Organisation
    from linli.people.models import Position

    today = timezone.localdate()
    person = users["grid"].person
    dept = Organisation.objects.filter(kind="department").order_by("pk").first()
    home = Position.objects.filter(person=person).first().place
    for start, end in [
        (today + dt.timedelta(days=7), None),  # not started: read, and left out of today's scope
        (today - dt.timedelta(days=30), today),  # ends today: still held
        (today - dt.timedelta(days=30), today - dt.timedelta(days=1)),  # ended: not read
    ]:
        Position.objects.create(
            person=person, kind="department_liaison", organisation=dept, place=home, start_date=start, end_date=end
        )
    _, key = token_issue(user=users["grid"])
    with CaptureQueriesContext(connection) as queries:
        user = token_authenticate(key)
        assert user is not None
        scope = scoping.scope_for(user, "handle")
        places = scoping.active_position_places(user)
        liaisons = scoping.liaison_organisations(user)
    assert len(queries) <= 2  # the sign-in, and the token's first-use stamp
    assert not any("people_position" in q["sql"] and "json" not in q["sql"] for q in queries.captured_queries)

    fresh = User.objects.get(pk=users["grid"].pk)  # nothing cached: the scope reads its own rows
    expected = sorted(scoping._current_rows(fresh, person.pk))
    got = sorted(getattr(user, scoping._rows_attribute(today)))
    assert got == expected and len(got) == Position.objects.filter(person=person).count() - 1
    assert scope == scoping.scope_for(fresh, "handle") and not scope.empty
    assert places == scoping.active_position_places(fresh)
    assert liaisons == scoping.liaison_organisations(fresh) == {dept.pk}  # the one without an end date
    assert all(isinstance(r[4], dt.date) and isinstance(r[2], int) for r in got)


def test_a_person_with_no_positions_signs_in_with_an_empty_scope(users):
    from linli.core import scoping

    _, key = token_issue(user=users["resident"])
    user = token_authenticate(key)
    with CaptureQueriesContext(connection) as queries:
        assert scoping.scope_for(user).empty
        assert scoping.active_position_places(user) == []
    assert len(queries) == 0
