"""Item events (新建, 公布, 修改, 停办) and the list's publications (公示 versions) are records: an UPDATE of any column
is refused on SQLite and PostgreSQL, like the workforce's events. "What did the list say on date X" and "which items
changed" are read from these rows, so they are never rewritten; a change is a new event, a new version."""

from django.db import migrations

from linli.core.migration_ops import append_only

TABLES = ["guide_serviceitemevent", "guide_listpublication"]


class Migration(migrations.Migration):
    dependencies = [("guide", "0001_initial")]
    operations = [append_only(TABLES, function="guide_refuse_update")]
