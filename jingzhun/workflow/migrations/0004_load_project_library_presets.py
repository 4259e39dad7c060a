"""Load the project-library presets (``project_library``, ``project_library_township``) into a
database migrated before they were added to ``presets.json``. On a new database migration 0002 has
loaded them already and this step changes nothing (``load_presets`` skips existing definitions)."""

from django.db import migrations

PROJECT_KEYS = ("project_library", "project_library_township")


def load(apps, schema_editor):
    from jingzhun.workflow.presets import load_presets

    load_presets(apps.get_model("workflow", "Procedure"), apps.get_model("workflow", "Step"))


def unload(apps, schema_editor):
    """Remove the national project presets that no case used (a used one stays, with its cases)."""
    Procedure = apps.get_model("workflow", "Procedure")
    Step = apps.get_model("workflow", "Step")
    for procedure in Procedure.objects.filter(key__in=PROJECT_KEYS, region__isnull=True):
        if not procedure.cases.exists():
            Step.objects.filter(procedure=procedure).delete()
            procedure.delete()


class Migration(migrations.Migration):
    dependencies = [("workflow", "0003_project_subjects")]
    operations = [migrations.RunPython(load, unload)]
