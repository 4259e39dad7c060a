from django.db import migrations


def load(apps, schema_editor):
    from jingzhun.workflow.presets import load_presets

    load_presets(apps.get_model("workflow", "Procedure"), apps.get_model("workflow", "Step"))


def unload(apps, schema_editor):
    from jingzhun.workflow.presets import presets

    Procedure = apps.get_model("workflow", "Procedure")
    Step = apps.get_model("workflow", "Step")
    for spec in presets():
        for procedure in Procedure.objects.filter(key=spec["key"], region__isnull=True, from_year=spec["from_year"]):
            if not procedure.cases.exists():
                Step.objects.filter(procedure=procedure).delete()
                procedure.delete()


class Migration(migrations.Migration):
    dependencies = [("workflow", "0001_procedures_cases_notices")]
    operations = [migrations.RunPython(load, unload)]
