"""Auth and identity endpoints: token issue/revoke and ``/me``."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status

from linli.accounts.models import ApiToken
from linli.accounts.roles import roles_of
from linli.accounts.services import (
    login_with_password,
    needs_two_factor,
    token_issue,
    token_revoke,
    two_factor_enrolled,
    two_factor_verify,
)
from linli.core.errors import Forbidden, InvalidInput, NotFound
from linli.core.ratelimit import address_of, rate_limit
from linli.core.schemas import ErrorOut
from linli.core.scoping import active_positions, scope_for
from linli.people.positions import POSITION_KINDS

router = Router(tags=["auth"])


class TokenIn(Schema):
    username: str
    password: str
    name: str = ""
    otp: str = ""  # the authenticator code (or a recovery code): required for staff who must use 2FA


class TokenOut(Schema):
    id: int
    token: str
    expires_at: datetime | None


@router.post(
    "/auth/token",
    auth=None,
    response={201: TokenOut, 403: ErrorOut, 429: ErrorOut},
    operation_id="auth_token_create",
    summary="Exchange a username and password for a bearer token",
)
def auth_token_create(request: HttpRequest, payload: TokenIn) -> Status[TokenOut]:
    rate_limit(purpose="login.address", key=address_of(request), request=request)
    user = login_with_password(username=payload.username, password=payload.password, request=request, channel="api")
    if needs_two_factor(user):
        if not two_factor_enrolled(user):
            raise Forbidden(_("请先在网页上启用两步验证,再申请访问令牌"))
        try:
            two_factor_verify(user=user, code=payload.otp, request=request)
        except InvalidInput:
            raise Forbidden(_("需要正确的两步验证码(otp)")) from None
    token, key = token_issue(user=user, name=payload.name or "api")
    return Status(201, TokenOut(id=token.pk, token=key, expires_at=token.expires_at))


@router.delete(
    "/auth/token/{token_id}",
    response={204: None, 404: ErrorOut},
    operation_id="auth_token_revoke",
    summary="Revoke one of your tokens",
)
def auth_token_revoke(request: HttpRequest, token_id: int) -> Status[None]:
    token = ApiToken.objects.filter(pk=token_id, user=request.user).first()
    if token is None:
        raise NotFound(_("未找到该令牌"))
    token_revoke(token=token, actor=request.user)  # type: ignore[arg-type]
    return Status(204, None)


class PositionOut(Schema):
    kind: str
    label: str
    place_path: str


class PersonOut(Schema):
    id: int
    name: str


class MeOut(Schema):
    id: int
    username: str
    person: PersonOut | None
    roles: list[str]
    positions: list[PositionOut]
    scope_everything: bool
    scope_paths: list[str]


@router.get("/me", response=MeOut, operation_id="me_read", summary="Who am I, what do I hold, what can I see")
def me_read(request: HttpRequest) -> MeOut:
    user = request.user
    scope = scope_for(user)  # type: ignore[arg-type]
    person = user.person if user.person_id else None  # type: ignore[union-attr]
    return MeOut(
        id=user.pk,
        username=user.get_username(),
        person=PersonOut(id=person.pk, name=person.name) if person else None,
        roles=roles_of(user),
        positions=[
            PositionOut(kind=k, label=_(POSITION_KINDS[k].label) if k in POSITION_KINDS else k, place_path=p)
            for k, p in active_positions(user)  # type: ignore[arg-type]
        ],
        scope_everything=scope.everything,
        scope_paths=list(scope.paths),
    )
