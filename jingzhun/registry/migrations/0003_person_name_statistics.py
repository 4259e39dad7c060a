"""PostgreSQL: finer planner statistics on member names.

With the default statistics target, PostgreSQL estimates a two-character Chinese name prefix at
thousands of rows when a few dozen match, and then walks the household index row by row (300–700 ms
at 1M persons). A larger target brings estimates close to the truth. Nothing to do on SQLite.
"""

from django.db import migrations


def raise_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('ALTER TABLE "registry_person" ALTER COLUMN "name" SET STATISTICS 10000')


def default_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('ALTER TABLE "registry_person" ALTER COLUMN "name" SET STATISTICS -1')


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_load_code_lists")]
    operations = [migrations.RunPython(raise_statistics, default_statistics)]
