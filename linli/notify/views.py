"""Inbox pages (everyone signed in) and the group-robot settings (node managers)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.core.pagination import keyset_page
from linli.core.scoping import access, scope_for
from linli.notify.models import DeliveryStatus, NodeWebhook, Notification, RobotKind
from linli.notify.outbox import deliveries_for_admin, delivery_retry
from linli.notify.selectors import inbox_for, robot_places, webhooks_visible
from linli.notify.services import notification_mark_read, webhook_add, webhook_remove, webhook_test
from linli.places.selectors import access_place

PAGE_SIZE = 30


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    only_unread = request.GET.get("unread") == "1"
    qs = inbox_for(request.user)
    if only_unread:
        qs = qs.unread()
    page = keyset_page(qs, key="id", cursor=request.GET.get("cursor") or None, limit=PAGE_SIZE, descending=True)
    return render(request, "notify/inbox.html", {"page": page, "only_unread": only_unread})


@login_required
def badge(request: HttpRequest) -> HttpResponse:
    return render(request, "notify/_badge.html")


def _ids(request: HttpRequest) -> list[int]:
    try:
        return [int(v) for v in request.POST.getlist("ids")]
    except ValueError:
        raise InvalidInput(_("消息编号应为整数"), field="ids") from None


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    everything = request.POST.get("all") == "1"
    ids = None if everything else _ids(request)
    marked = notification_mark_read(user=request.user, ids=ids)
    if _is_htmx(request) and ids is not None and len(ids) == 1:
        note = inbox_for(request.user).filter(pk=ids[0]).first()
        response = render(request, "notify/_item.html", {"n": note}) if note else HttpResponse("")
        response["HX-Trigger"] = "inbox-changed"
        return response
    if marked:
        messages.success(request, _("已标为已读 %(n)d 条") % {"n": marked})
    return redirect("notify:inbox")


@login_required
@require_POST
def open_item(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark one message read and follow its link (links are checked to stay inside Linli)."""
    note: Notification = access(Notification.objects.all(), request.user, notification_id)  # type: ignore[arg-type]
    notification_mark_read(user=request.user, ids=[note.pk])
    return HttpResponseRedirect(note.link or "/inbox/")


# --- group robots ------------------------------------------------------------------------------------


class RobotForm(forms.Form):
    place = forms.IntegerField(label=gettext_lazy("节点"))
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=RobotKind.choices)
    name = forms.CharField(label=gettext_lazy("群名称"), max_length=100)
    url = forms.CharField(label=gettext_lazy("Webhook 地址"), max_length=1000)
    secret = forms.CharField(label=gettext_lazy("加签密钥(钉钉,可选)"), max_length=200, required=False)
    cascade = forms.BooleanField(label=gettext_lazy("同时接收下级节点的消息"), required=False)


def _require_robot_manager(request: HttpRequest) -> None:
    if scope_for(request.user, "manage").empty:
        raise Forbidden(_("只有社区及以上的管理人员可以设置群机器人"))


@login_required
def robots(request: HttpRequest, form: RobotForm | None = None, status: int = 200) -> HttpResponse:
    _require_robot_manager(request)
    return render(
        request,
        "notify/robots.html",
        {
            "hooks": webhooks_visible(request.user),
            "places": robot_places(request.user)[:500],
            "form": form or RobotForm(initial={"kind": RobotKind.WECOM, "cascade": True}),
        },
        status=status,
    )


@login_required
@require_POST
def robot_add(request: HttpRequest) -> HttpResponse:
    _require_robot_manager(request)
    form = RobotForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        place = access_place(request.user, data["place"])
        try:
            webhook_add(
                actor=request.user,
                place=place,
                kind=data["kind"],
                name=data["name"],
                url=data["url"],
                secret=data["secret"],
                cascade=data["cascade"],
            )
        except InvalidInput as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("已添加群机器人“%(name)s”") % {"name": data["name"]})
            return redirect("notify:robots")
    return robots(request, form=form, status=422)


@login_required
@require_POST
def robot_remove(request: HttpRequest, hook_id: int) -> HttpResponse:
    hook: NodeWebhook = access(NodeWebhook.objects.all(), request.user, hook_id)
    webhook_remove(actor=request.user, hook=hook)
    messages.success(request, _("已删除群机器人“%(name)s”") % {"name": hook.name})
    return redirect("notify:robots")


@login_required
@require_POST
def robot_test(request: HttpRequest, hook_id: int) -> HttpResponse:
    hook: NodeWebhook = access(NodeWebhook.objects.all(), request.user, hook_id)
    webhook_test(actor=request.user, hook=hook)
    messages.success(request, _("测试消息已发出,请到群里查看"))
    return redirect("notify:robots")


# --- outbox of external messages (administrators) --------------------------------------------------


@login_required
def deliveries(request: HttpRequest) -> HttpResponse:
    """SMS and robot messages with their state; failed ones first to look at, with a resend button."""
    status = request.GET.get("status", "")
    if status and status not in DeliveryStatus.values:
        raise InvalidInput(_("状态无效"), field="status")
    qs = deliveries_for_admin(request.user, status=status)
    page = keyset_page(qs, key="id", cursor=request.GET.get("cursor") or None, limit=PAGE_SIZE, descending=True)
    return render(
        request, "notify/deliveries.html", {"page": page, "status": status, "statuses": DeliveryStatus.choices}
    )


@login_required
@require_POST
def delivery_retry_view(request: HttpRequest, delivery_id: int) -> HttpResponse:
    try:
        delivery_retry(actor=request.user, delivery_id=delivery_id)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已重新排队发送"))
    return redirect("notify:deliveries")
