"""The 业委会会议监督 page: for a node and a period, each compound's 业委会会议, how many the branch secretary
列席, and how many of their topics the branch discussed first (支部先议)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from linli.deliberation.selectors_oversight import committee_oversight
from linli.deliberation.views_mediation import node_and_period


@login_required
def committee_meetings(request: HttpRequest) -> HttpResponse:
    nodes, node, start, end = node_and_period(request, _("您的岗位无权查看业委会会议监督"))
    o = committee_oversight(request.user, node=node, start=start, end=end)
    return render(request, "deliberation/committee_oversight.html", {"nodes": nodes, "node": node, "o": o})
