"""Issue or revoke an Open311 API key from the shell.

    python manage.py open311_key create NAME [--jurisdiction STREET_ID_OR_CODE] [--rate N]
    python manage.py open311_key revoke ID_OR_PREFIX
    python manage.py open311_key list

``create`` prints the new key on its last line (and only then: only a digest is stored).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from linli.core.errors import LinliError
from linli.core.identifiers import parse_id
from linli.interop.keys import open311_key_create, open311_key_revoke
from linli.interop.models import DEFAULT_RATE_PER_MINUTE, Open311Key


class Command(BaseCommand):
    help = "Issue (create), revoke or list Open311 API keys."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="issue a key; the key is printed on the last line")
        create.add_argument("name")
        create.add_argument("--jurisdiction", default=None, help="street id or 12-digit division code")
        create.add_argument("--rate", type=int, default=DEFAULT_RATE_PER_MINUTE, help="calls per minute")
        revoke = sub.add_parser("revoke", help="revoke a key by id or by its 8-character prefix")
        revoke.add_argument("key", help='id or prefix; a prefix starting with "-" (older keys) goes after --')
        sub.add_parser("list", help="list keys (never the keys themselves)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except LinliError as exc:
            raise CommandError(exc.message) from None

    def _create(self, options: dict[str, Any]) -> None:
        row, raw = open311_key_create(
            actor=None,
            name=options["name"],
            jurisdiction_id=options["jurisdiction"],
            rate_per_minute=options["rate"],
            actor_label="manage.py open311_key",
        )
        where = row.jurisdiction.name if row.jurisdiction else "all streets"
        self.stdout.write(f"Open311 key {row.pk} “{row.name}” for {where}, {row.rate_per_minute}/min. Shown once:")
        self.stdout.write(raw)

    def _revoke(self, options: dict[str, Any]) -> None:
        text = options["key"].strip()
        match = Q(prefix=text) | Q(pk__in=[n] if (n := parse_id(text)) else [])
        rows = list(Open311Key.objects.filter(match))
        if len(rows) != 1:
            raise CommandError(f"no single key matches “{text}” (found {len(rows)})")
        row = open311_key_revoke(actor=None, key_id=rows[0].pk, actor_label="manage.py open311_key")
        self.stdout.write(f"Open311 key {row.pk} “{row.name}” revoked at {row.revoked_at:%Y-%m-%d %H:%M}")

    def _list(self, options: dict[str, Any]) -> None:
        for row in Open311Key.objects.select_related("jurisdiction").order_by("id"):
            state = "revoked" if row.revoked_at else "active"
            where = row.jurisdiction.name if row.jurisdiction else "all streets"
            self.stdout.write(f"{row.pk}\t{row.prefix}…\t{state}\t{where}\t{row.name}")
