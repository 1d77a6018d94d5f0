"""The production settings plus bench-only URLs (``bench.urls``): a hello-world GET and POST that go
through the same middleware as every page, as the baseline of each ratio. Never deployed."""

from linli.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
