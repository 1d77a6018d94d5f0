"""The official calendar: statutory holidays and make-up workdays (调休上班), year by year.

Everything not listed here follows the week: Monday–Friday work, Saturday and Sunday rest. A year
counts only once it is *published* (the State Council's notice has been entered); until then
working-day arithmetic falls back to weekends-only and says so.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("法定节假日")
    WORKDAY = "workday", _("调休上班")


class YearSource(models.TextChoices):
    PACKAGE = "package", _("chinese-calendar 软件包")
    MANUAL = "manual", _("管理员录入")


class CalendarYear(models.Model):
    year = models.PositiveSmallIntegerField(unique=True)
    published = models.BooleanField(default=False)
    source = models.CharField(max_length=16, choices=YearSource.choices, default=YearSource.MANUAL)
    published_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    date = models.DateField(unique=True)
    kind = models.CharField(max_length=8, choices=DayKind.choices)
    name = models.CharField(max_length=50, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.get_kind_display()} {self.name}".strip()
