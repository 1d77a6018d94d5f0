"""Huey tasks: generate a report in the background; on the 1st, last month's reports for every
street and community."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_task()
def generate_report_task(report_id: int) -> None:
    from linli.insights.services import report_generate

    report_generate(report_id=report_id)


@db_periodic_task(crontab(day="1", hour="2", minute="30"))
def monthly_reports_task() -> None:
    from linli.insights.services import reports_schedule_month

    reports_schedule_month()
