"""Linli's URLs plus the two baselines the benchmarks divide by (no database work in either)."""

from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt


def hello(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"hello": "world"})


@csrf_exempt
def hello_post(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"hello": "world", "received": len(request.body)}, status=201)


urlpatterns = [
    path("bench/hello", hello),
    path("bench/hello-post", hello_post),
    path("", include("linli.urls")),
]
