"""Linli's URLs plus what the benchmarks divide by (never deployed):

* the two baselines of the ratios, a hello-world GET and POST through the same middleware, with no
  database work;
* the **floors**: the least any implementation of an API endpoint must do here, through the same API
  framework and the same sign-in. ``/bench/floor/page`` checks the bearer token (``BearerAuth``, one
  database read) and answers a constant body of the size asked for (``/bench/floor/open``: the same
  without the token check, to tell the two costs apart); ``/bench/floor/write`` checks the
  token and commits one row change (the least a request that creates something must make durable).
  A floor's ratio to hello-world is the most a ratio bar can hope for on this stack: the queue and the
  intake do that much and then their own work.
"""

from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Schema
from ninja.responses import Status

from linli.api import BearerAuth


def hello(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"hello": "world"})


@csrf_exempt
def hello_post(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"hello": "world", "received": len(request.body)}, status=201)


floors = NinjaAPI(urls_namespace="bench-floors", auth=BearerAuth(), docs_url=None, openapi_url=None)
_BODIES: dict[int, bytes] = {}


@floors.get("/page", operation_id="bench_floor_page")
def floor_page(request: HttpRequest, size: int = 40_000) -> HttpResponse:
    size = max(2, min(size, 1_000_000))
    body = _BODIES.get(size)
    if body is None:
        body = _BODIES[size] = b'"' + b"x" * (size - 2) + b'"'
    return HttpResponse(body, content_type="application/json; charset=utf-8")


@floors.get("/open", auth=None, operation_id="bench_floor_open")
def floor_open(request: HttpRequest, size: int = 40_000) -> HttpResponse:
    return floor_page(request, size)


class FloorIn(Schema):
    description: str
    place_id: int | None = None


@floors.post("/write", response={201: dict}, operation_id="bench_floor_write")
def floor_write(request: HttpRequest, payload: FloorIn) -> Status:
    with transaction.atomic(), connection.cursor() as cursor:  # one row written and committed
        cursor.execute(
            "INSERT INTO tickets_listgeneration (name, value) VALUES (%s, 1) "
            "ON CONFLICT (name) DO UPDATE SET value = tickets_listgeneration.value + 1",
            ["bench-floor"],
        )
    return Status(201, {"received": len(payload.description)})


urlpatterns = [
    path("bench/hello", hello),
    path("bench/hello-post", hello_post),
    path("bench/floor/", floors.urls),
    path("", include("linli.urls")),
]
