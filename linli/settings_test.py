"""Test settings: the real settings, plus immediate Huey and a fast password hasher."""

import os

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("HUEY_IMMEDIATE", "1")

from linli.settings import *  # noqa: F403
from linli.settings import HUEY

HUEY = {**HUEY, "immediate": True}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
WHITENOISE_AUTOREFRESH = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
