"""Helpers the election pages share: a refused form's error, the owners a candidate may be picked from, and the
figures of the place the viewer manages or leads."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.dates import period_or_default
from linli.core.errors import Conflict, InvalidInput
from linli.core.identifiers import parse_id
from linli.elections import selectors as sel
from linli.elections.models import Election
from linli.elections.permissions import may_see_figures
from linli.people.models import Person
from linli.places.models import Place, PlaceKind

OWNERS_SHOWN = 500


def form_error(form: str, error: InvalidInput | Conflict | None) -> dict[str, Any]:
    if error is None:
        return {"error": None, "error_form": ""}
    return {"error": error, "error_form": form}


def candidate_choices(election: Election) -> list[Person]:
    """Owners living in the compound today (the candidates the form offers), by name (two queries at most)."""
    from linli.deliberation.services_votes import current_ownerships

    owners = current_ownerships(election.place_path, timezone.localdate()).values("person_id")
    qs = Person.objects.filter(
        place_path__under=election.place_path, pk__in=owners, moved_out_on__isnull=True, anonymised_at__isnull=True
    )
    return list(qs.order_by("name", "id")[:OWNERS_SHOWN])


def figures_context(request: HttpRequest) -> dict[str, Any]:
    """``?place=`` (default: the outermost street or community the user manages or leads) and ``from``/``to``."""
    user = request.user
    node: Place | None = None
    pk = parse_id(request.GET.get("place"))
    if pk is not None:
        node = Place.objects.filter(
            pk=pk, kind__in=[PlaceKind.DISTRICT, PlaceKind.STREET, PlaceKind.COMMUNITY, PlaceKind.COMPOUND]
        ).first()
    node = node or sel.default_node(user)
    if node is None or not may_see_figures(user, node.path):
        return {"node": None, "figures": None}
    since, until, period_error = period_or_default(request.GET, sel.default_period())
    if (until - since).days > 366 * 5:
        since, until = sel.default_period()
        period_error = InvalidInput(_("统计期间最长五年"), field="to")
    communities = list(
        Place.objects.filter(path__under=node.path[: 2 * Place.steplen], kind=PlaceKind.COMMUNITY).order_by("path")
    )
    return {
        "node": node,
        "figures": sel.figures(user, node, since, until),
        "since": since,
        "until": until,
        "period_error": period_error,
        "communities": [c for c in communities if may_see_figures(user, c.path)],
    }
