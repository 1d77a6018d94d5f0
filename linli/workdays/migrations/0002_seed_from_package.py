"""Seed every year the chinesecalendar package knows (2004–2026 with 1.11.0), so a fresh database
computes deadlines against the official calendar from the first request."""

from django.db import migrations
from django.utils import timezone


def seed(apps, schema_editor):
    from linli.workdays.package import package_days, package_years

    CalendarYear = apps.get_model("workdays", "CalendarYear")
    CalendarDay = apps.get_model("workdays", "CalendarDay")
    now = timezone.now()
    known = set(CalendarYear.objects.values_list("year", flat=True))
    for year in package_years():
        if year in known:
            continue
        CalendarYear.objects.create(year=year, published=True, source="package", published_at=now)
        CalendarDay.objects.bulk_create(
            [CalendarDay(date=day, kind=kind, name=name) for day, kind, name in package_days(year)],
            ignore_conflicts=True,
        )


def unseed(apps, schema_editor):
    from linli.workdays.package import package_years

    CalendarYear = apps.get_model("workdays", "CalendarYear")
    CalendarDay = apps.get_model("workdays", "CalendarDay")
    years = list(CalendarYear.objects.filter(source="package", year__in=package_years()).values_list("year", flat=True))
    for year in years:
        CalendarDay.objects.filter(date__year=year).delete()
    CalendarYear.objects.filter(year__in=years).delete()


class Migration(migrations.Migration):
    dependencies = [("workdays", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
