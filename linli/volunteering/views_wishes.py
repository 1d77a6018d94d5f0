"""Micro-wish pages (微心愿): post one, the wish wall, review, claim, fulfil with a photo, confirm, counts."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core import uploads
from linli.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from linli.core.identifiers import parse_id
from linli.places.models import Place
from linli.tickets.models import Rating
from linli.volunteering import wishes as w
from linli.volunteering.models import Wish, WishChannel, WishHeart, WishStatus
from linli.volunteering.views_common import run, staff_places, top_node

NO_HEART = "none"  # the filter value for wishes not yet classified (未分类)


def _access(request: HttpRequest, wish_id: int) -> Wish:
    wish = (
        w.visible_wishes(request.user)
        .select_related("wisher", "claimed_by", "claimed_org", "collected_at")
        .filter(pk=wish_id)
        .first()
    )
    if wish is None:
        raise NotFound(_("未找到,或您无权查看"))
    return wish


@login_required
def wish_list(request: HttpRequest) -> HttpResponse:
    """The wish wall, filtered by state, 五心类别 (or 未分类) and 收集方式; for staff, this year's counts and the
    figures by 五心类别 under their widest node."""
    status = request.GET.get("status", "")
    heart = request.GET.get("heart", "")
    channel = request.GET.get("channel", "")
    qs = w.visible_wishes(request.user).select_related("place", "wisher", "collected_at")
    if status in WishStatus.values:
        qs = qs.filter(status=status)
    if heart in WishHeart.values or heart == NO_HEART:
        qs = qs.filter(heart="" if heart == NO_HEART else heart)
    else:
        heart = ""
    if channel in WishChannel.values:
        qs = qs.filter(channel=channel)
    else:
        channel = ""
    counts = hearts = None
    node = top_node(request.user)
    if node is not None:
        now = timezone.localtime()
        start = now.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
        end = now + dt.timedelta(seconds=1)
        counts = w.wish_counts(user=request.user, path=node, start=start, end=end)
        hearts = w.wish_heart_figures(user=request.user, path=node, start=start, end=end)
    return render(
        request,
        "volunteering/wishes.html",
        {
            "wishes": qs.order_by("-submitted_at", "-id")[:100],
            "counts": counts,
            "hearts": hearts,
            "statuses": WishStatus.choices,
            "status": status,
            "heart_choices": w.heart_choices(),
            "heart": heart,
            "no_heart": NO_HEART,
            "channels": WishChannel.choices,
            "channel": channel,
        },
    )


@login_required
def wish_new(request: HttpRequest) -> HttpResponse:
    error = None
    if request.method == "POST":
        wisher = request.POST.get("wisher_id", "")
        try:
            wish = w.wish_submit(
                actor=request.user,
                title=request.POST.get("title", ""),
                description=request.POST.get("description", ""),
                wisher_id=parse_id(wisher),
                idempotency_key=request.POST.get("idempotency_key", ""),  # a double submit posts one wish
                heart=request.POST.get("heart", ""),
                channel=request.POST.get("channel", ""),
                collected_at_id=parse_id(request.POST.get("collected_at_id", "")),
            )
        except (InvalidInput, Conflict) as exc:
            error = exc
        else:
            return redirect("volunteering:wish", wish.pk)
    # Each form shown is one wish; a refused one comes back with a new key.
    context = {
        "error": error,
        "form": request.POST,
        "idempotency_key": uuid.uuid4().hex,
        "heart_choices": w.heart_choices(),
        "channels": WishChannel.choices,
        "collection_places": staff_places(request.user, "handle"),
    }
    return render(request, "volunteering/wish_new.html", context)


@login_required
def wish_detail(request: HttpRequest, wish_id: int) -> HttpResponse:
    return _wish_page(request, _access(request, wish_id))


def _wish_page(
    request: HttpRequest, wish: Any, *, confirm: dict[str, str] | None = None, error: Any = None
) -> HttpResponse:
    """The wish; a refused confirmation comes back with the rating and reason chosen, and the error."""
    context = {
        "wish": wish,
        "ratings": Rating.choices,
        "confirm": confirm or {},
        "error": error,
        "heart_choices": w.heart_choices(),
        "may_classify": w.may(request.user, wish.place_path, "handle"),
    }
    return render(request, "volunteering/wish.html", context, status=422 if error else 200)


@login_required
@require_POST
def wish_act(request: HttpRequest, wish_id: int) -> HttpResponse:
    action = request.POST.get("action", "")
    note = request.POST.get("note", "")
    user = request.user
    back = reverse("volunteering:wish", args=[wish_id])
    if action == "confirm":
        confirm = {"rating": request.POST.get("rating", ""), "note": note}
        try:
            w.wish_confirm(actor=user, wish_id=wish_id, **confirm)
        except InvalidInput as exc:  # the form comes back as it was filled in, with the reason it was refused
            return _wish_page(request, _access(request, wish_id), confirm=confirm, error=exc)
        except (Conflict, Forbidden) as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已确认,谢谢"))
        return redirect(back)
    actions = {
        "approve": (lambda: w.wish_review(actor=user, wish_id=wish_id, approve=True, note=note), _("已发布")),
        "reject": (lambda: w.wish_review(actor=user, wish_id=wish_id, approve=False, note=note), _("已退回")),
        "claim": (lambda: w.wish_claim(actor=user, wish_id=wish_id), _("认领成功")),
        "classify": (
            lambda: w.wish_classify(actor=user, wish_id=wish_id, heart=request.POST.get("heart", "")),
            _("五心类别已保存"),
        ),
        "fulfil": (
            lambda: w.wish_fulfil(actor=user, wish_id=wish_id, note=note, photo=request.FILES.get("photo")),
            _("已登记圆梦"),
        ),
    }
    if action not in actions:
        raise InvalidInput(_("操作无效"), field="action")
    call, ok = actions[action]
    return run(request, call, ok=ok, back=back)


@login_required
def wish_photo(request: HttpRequest, wish_id: int) -> FileResponse:
    photo, content_type = w.wish_photo_file(user=request.user, wish_id=wish_id)
    return uploads.serve_upload(photo, content_type=content_type)


@login_required
def wish_stats(request: HttpRequest) -> HttpResponse:
    """Collected / fulfilled per community for a period (defaults to this year)."""
    from linli.volunteering.views_common import parse_date

    today = timezone.localdate()
    start_d = parse_date(request.GET["start"], "start") if request.GET.get("start") else today.replace(month=1, day=1)
    end_d = parse_date(request.GET["end"], "end") if request.GET.get("end") else today
    start = timezone.make_aware(dt.datetime.combine(start_d, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(end_d + dt.timedelta(days=1), dt.time.min))
    node = top_node(request.user)
    if node is None:
        raise NotFound(_("未找到,或您无权查看"))
    nodes = Place.objects.filter(kind__in=["street", "community"], path__under=node).order_by("path")[:50]
    rows = [(p, w.wish_counts(user=request.user, path=p.path, start=start, end=end)) for p in nodes]
    hearts = w.wish_heart_figures(user=request.user, path=node, start=start, end=end)
    return render(
        request, "volunteering/wish_stats.html", {"rows": rows, "hearts": hearts, "start": start_d, "end": end_d}
    )
