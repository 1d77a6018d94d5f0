"""The current two-step verification code of demo accounts (development only).

Staff who can reveal personal data or administer Linli must use a second factor (docs/security.md).
In a demo nobody has the authenticator app yet, so this command enrols the named accounts (once,
through the same services the enrolment page uses) and prints the code to type now:

    DEBUG=1 .venv/bin/python manage.py demo_totp street community admin

Refuses with DEBUG off: in production each person enrols on their own phone at first login.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

TOTP_PERIOD = 30


class Command(BaseCommand):
    help = "Print the current two-step verification code of demo accounts (enrolling them first); DEBUG only."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("usernames", nargs="*", default=["admin", "street", "community"])

    def handle(self, *args: Any, **options: Any) -> None:
        import pyotp

        from linli.accounts.models import User
        from linli.accounts.services import totp_begin, totp_confirm, totp_secret, two_factor_enrolled

        if not settings.DEBUG:
            raise CommandError("demo_totp is for development (DEBUG=1); in production people enrol on their phones")
        for username in options["usernames"]:
            user = User.objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"no account named {username!r}")
            if not two_factor_enrolled(user):
                secret = totp_begin(user=user)
                # Confirmed with the previous step's code (one step of clock drift is accepted), so the
                # code printed below is still unused and works at the login page.
                totp_confirm(user=user, code=pyotp.TOTP(secret).at(time.time() - TOTP_PERIOD))
            totp = pyotp.TOTP(totp_secret(user))
            left = TOTP_PERIOD - int(time.time()) % TOTP_PERIOD
            self.stdout.write(f"{username}: {totp.now()}  (valid {left} s more; secret {totp.secret} for an app)")
