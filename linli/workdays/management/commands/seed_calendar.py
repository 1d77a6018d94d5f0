"""Fill the holiday calendar from the installed ``chinesecalendar`` package.

python manage.py seed_calendar                 # every year the package knows, skipping years already present
python manage.py seed_calendar --year 2026 --replace   # reload one year, overwriting hand edits
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from linli.core.errors import LinliError
from linli.workdays.package import package_years
from linli.workdays.services import calendar_seed_from_package


class Command(BaseCommand):
    help = "Seed official holidays and make-up workdays from the chinesecalendar package."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, action="append", dest="years", help="only this year (repeatable)")
        parser.add_argument("--replace", action="store_true", help="overwrite years already in the database")

    def handle(self, *args: Any, years: list[int] | None, replace: bool, **options: Any) -> None:
        try:
            written = calendar_seed_from_package(years=years, replace=replace)
        except LinliError as exc:
            raise CommandError(exc.message) from exc
        known = package_years()
        self.stdout.write(f"package knows {known[0]}–{known[-1]}; ")
        if written:
            self.stdout.write(self.style.SUCCESS(f"seeded {len(written)} year(s): {', '.join(map(str, written))}"))
        else:
            self.stdout.write("nothing to do (years already present; use --replace to overwrite)")
