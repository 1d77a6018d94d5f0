"""Progress reports, disbursements (拨付) and project events are records: an UPDATE of any column is refused on
SQLite and PostgreSQL, like fund entries and points. A mistake is answered by the records, never rewritten."""

from django.db import migrations

from linli.core.migration_ops import append_only

TABLES = ["grants_progressreport", "grants_disbursement", "grants_projectevent"]


class Migration(migrations.Migration):
    dependencies = [("grants", "0001_rounds_projects_reviews_payments")]
    operations = [append_only(TABLES, function="grants_refuse_update")]
