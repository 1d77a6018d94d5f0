"""Admin pages: Open311 keys (issue, revoke), webhook subscribers, the delivery log and replay."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from linli.core.errors import InvalidInput, NotFound
from linli.core.pagination import keyset_page
from linli.interop.keys import open311_key_create, open311_key_revoke, require_admin
from linli.interop.models import DEFAULT_RATE_PER_MINUTE, WebhookDelivery, WebhookEvent
from linli.interop.selectors import (
    access_subscriber,
    deliveries_of,
    keys_for_admin,
    streets,
    subscribable_places,
    subscribers_visible,
)
from linli.interop.webhooks import webhook_replay, webhook_subscriber_create, webhook_subscriber_disable

PAGE_SIZE = 50


class KeyForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("名称(对接方)"), max_length=64)
    jurisdiction = forms.IntegerField(label=gettext_lazy("街道"), required=False)
    rate_per_minute = forms.IntegerField(
        label=gettext_lazy("每分钟调用上限"), min_value=1, max_value=10_000, initial=DEFAULT_RATE_PER_MINUTE
    )


class SubscriberForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=100)
    url = forms.CharField(label=gettext_lazy("接收地址"), max_length=1000)
    place = forms.IntegerField(label=gettext_lazy("区域"))
    events = forms.MultipleChoiceField(label=gettext_lazy("事件"), choices=WebhookEvent.choices)


def _index(request: HttpRequest, *, status: int = 200, **extra: Any) -> HttpResponse:
    context = {
        "keys": keys_for_admin(request.user),
        "subscribers": subscribers_visible(request.user),
        "streets": streets(),
        "places": subscribable_places(),
        "key_form": KeyForm(initial={"rate_per_minute": DEFAULT_RATE_PER_MINUTE}),
        "subscriber_form": SubscriberForm(initial={"events": WebhookEvent.values}),
        "event_choices": WebhookEvent.choices,
        "open311_base": request.build_absolute_uri("/open311/v2/"),
        **extra,
    }
    return render(request, "interop/index.html", context, status=status)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    require_admin(request.user)
    return _index(request)


@login_required
@require_POST
def key_create(request: HttpRequest) -> HttpResponse:
    require_admin(request.user)
    form = KeyForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            row, raw = open311_key_create(
                actor=request.user,
                name=data["name"],
                jurisdiction_id=data["jurisdiction"],
                rate_per_minute=data["rate_per_minute"],
            )
        except InvalidInput as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        except NotFound as exc:
            form.add_error("jurisdiction", exc.message)
        else:
            return _index(request, new_key=raw, new_key_row=row)
    return _index(request, status=422, key_form=form)


@login_required
@require_POST
def key_revoke(request: HttpRequest, key_id: int) -> HttpResponse:
    row = open311_key_revoke(actor=request.user, key_id=key_id)
    messages.success(request, _("已停用密钥“%(name)s”") % {"name": row.name})
    return redirect("interop:index")


@login_required
@require_POST
def subscriber_create(request: HttpRequest) -> HttpResponse:
    require_admin(request.user)
    form = SubscriberForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            row, secret = webhook_subscriber_create(
                actor=request.user, name=data["name"], url=data["url"], place_id=data["place"], events=data["events"]
            )
        except InvalidInput as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            return _index(request, new_secret=secret, new_subscriber=row)
    return _index(request, status=422, subscriber_form=form)


@login_required
@require_POST
def subscriber_disable(request: HttpRequest, subscriber_id: int) -> HttpResponse:
    sub = access_subscriber(request.user, subscriber_id)
    webhook_subscriber_disable(actor=request.user, subscriber_id=sub.pk)
    messages.success(request, _("已停止向“%(name)s”推送") % {"name": sub.name})
    return redirect("interop:index")


@login_required
def deliveries(request: HttpRequest, subscriber_id: int) -> HttpResponse:
    sub = access_subscriber(request.user, subscriber_id)
    qs = deliveries_of(sub)
    status = request.GET.get("status") or ""
    if status:
        qs = qs.filter(status=status)
    page = keyset_page(qs, key="id", cursor=request.GET.get("cursor") or None, limit=PAGE_SIZE, descending=True)
    return render(request, "interop/deliveries.html", {"sub": sub, "page": page, "status": status})


@login_required
@require_POST
def delivery_replay(request: HttpRequest, delivery_id: int) -> HttpResponse:
    require_admin(request.user)
    row = WebhookDelivery.objects.filter(pk=delivery_id).select_related("subscriber").first()
    if row is None:
        raise NotFound(_("未找到该推送记录"))
    sub = access_subscriber(request.user, row.subscriber_id)
    webhook_replay(actor=request.user, delivery_id=row.pk)
    messages.success(request, _("已重新发送推送 #%(id)d") % {"id": row.pk})
    return redirect("interop:deliveries", subscriber_id=sub.pk)
