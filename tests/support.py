"""Small helpers several test modules share: a picture to upload, the site's URL routes.

Fixtures live in ``conftest.py``; these are plain functions a test calls.
"""

from __future__ import annotations

import importlib
import io
import pkgutil
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.urls import URLResolver, get_resolver
from PIL import Image


def image_bytes(size: tuple[int, int] = (8, 8), *, fmt: str = "PNG", colour: Any = (200, 40, 40)) -> bytes:
    """A real, decodable picture of ``size`` in ``fmt``."""
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=fmt)
    return buffer.getvalue()


def png_upload(name: str = "p.png", size: tuple[int, int] = (8, 8)) -> SimpleUploadedFile:
    """A PNG as a form upload, as a phone's browser sends it."""
    return SimpleUploadedFile(name, image_bytes(size), content_type="image/png")


def migration_modules() -> Iterator[ModuleType]:
    """Every migration module of Linli's own apps, each app's in name order."""
    from django.apps import apps

    for config in apps.get_app_configs():
        if not config.name.startswith("linli."):
            continue
        try:
            package = importlib.import_module(f"{config.name}.migrations")
        except ModuleNotFoundError:
            continue
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            yield importlib.import_module(f"{package.__name__}.{info.name}")


def _walk(patterns: list[Any], prefix: str, ns: str) -> Iterator[tuple[str, str]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            inner = f"{ns}{p.namespace}:" if p.namespace else ns
            yield from _walk(p.url_patterns, prefix + str(p.pattern), inner)
        else:
            yield prefix + str(p.pattern), ns + (p.name or "")


def url_routes() -> list[tuple[str, str]]:
    """Every route the site answers, as ``(route, namespaced name)``; routes have no leading slash."""
    return list(_walk(get_resolver().url_patterns, "", ""))


@contextmanager
def replica_alias(settings: Any, alias: str, config: dict[str, Any]) -> Iterator[str]:
    """A second database alias with ``config``, and the router and middleware that send reads to it, for one
    test. The test case forbids lazily opening aliases it did not know when it started, and this one must not
    leak into the rest of the suite, so it is opened here and removed afterwards."""
    from linli.core import dbrouter

    connections.settings[alias] = config
    settings.DATABASES = {**settings.DATABASES, alias: config}
    settings.DATABASE_ROUTERS = ["linli.core.dbrouter.PrimaryReplicaRouter"]
    settings.MIDDLEWARE = ["linli.core.dbrouter.PinPrimaryMiddleware", *settings.MIDDLEWARE]
    connections[alias].connect()
    dbrouter.unpin()
    try:
        yield alias
    finally:
        dbrouter.unpin()
        connections[alias].close()
        del connections[alias]
        del connections.settings[alias]
