"""Worker events (入职, 岗位/等级调整, 离职) and training attendances are records: an UPDATE of any column is refused on
SQLite and PostgreSQL, like the grants' events. "Who held which grade on date X" is read from these rows, so they
are never rewritten; a mistake is answered by a later, dated change."""

from django.db import migrations

from linli.core.migration_ops import append_only

TABLES = ["workforce_workerevent", "workforce_attendance"]


class Migration(migrations.Migration):
    dependencies = [("workforce", "0001_initial")]
    operations = [append_only(TABLES, function="workforce_refuse_update")]
