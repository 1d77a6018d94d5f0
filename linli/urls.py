from django.urls import include, path

from linli.api import api
from linli.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    # The API first: it takes most requests, and each prefix tried before it costs a failed match
    # (for an include, a raised and caught Resolver404). No other prefix starts with "api/".
    path("api/v1/", api.urls),
    path("accounts/", include("linli.accounts.urls")),
    path("places/", include("linli.places.urls")),
    path("orgs/", include("linli.orgs.urls")),
    path("teams/", include("linli.teams.urls")),
    path("duties/", include("linli.duties.urls")),
    path("rota/", include("linli.rota.urls")),
    path("grants/", include("linli.grants.urls")),
    path("venues/", include("linli.venues.urls")),
    path("elections/", include("linli.elections.urls")),
    path("commons/", include("linli.commons.urls")),
    path("workforce/", include("linli.workforce.urls")),
    path("guide/", include("linli.guide.urls")),
    path("audit/", include("linli.audit.urls")),
    path("requests/", include("linli.tickets.urls")),
    path("ledger/", include("linli.people.urls")),
    path("inbox/", include("linli.notify.urls")),
    path("calendar/", include("linli.workdays.urls")),
    path("interop/", include("linli.interop.urls")),
    path("visits/", include("linli.visits.urls")),
    path("volunteering/", include("linli.volunteering.urls")),
    path("deliberation/", include("linli.deliberation.urls")),
    path("party-life/", include("linli.partylife.urls")),
    path("co-building/", include("linli.cobuilding.urls")),
    path("insights/", include("linli.insights.urls")),
    path("routing/", include("linli.routing.urls")),
    path("privacy/", include("linli.privacy.urls")),
    path("open311/v2/", include("linli.interop.open311_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]
