"""The electorate, ballots, approval marks and events of an election are records: an UPDATE of any column is
refused on SQLite and PostgreSQL (like deliberation's ballots), so a result is always recounted from what was cast."""

from django.db import migrations

from linli.core.migration_ops import append_only

TABLES = ["elections_electionvoter", "elections_electionballot", "elections_electionmark", "elections_electionevent"]


class Migration(migrations.Migration):
    dependencies = [("elections", "0001_initial")]
    operations = [append_only(TABLES, function="elections_refuse_update")]
