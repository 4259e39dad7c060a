"""Load the initial code lists (codelists.json beside the app) with zh-hans and en labels."""

import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "codelists.json"


def load(apps, schema_editor):
    CodeList = apps.get_model("registry", "CodeList")
    CodeItem = apps.get_model("registry", "CodeItem")
    lists = json.loads(DATA.read_text(encoding="utf-8"))
    for key, spec in lists.items():
        code_list = CodeList.objects.create(
            key=key, name_zh=spec["name_zh"], name_en=spec["name_en"],
            certainty=spec.get("certainty", ""), source=spec.get("source", ""),
        )
        CodeItem.objects.bulk_create([
            CodeItem(code_list=code_list, code=item["code"], label_zh=item["zh"], label_en=item["en"],
                     sort_order=index, attributes={k: v for k, v in item.items() if k not in ("code", "zh", "en")})
            for index, item in enumerate(spec["items"])
        ])


def unload(apps, schema_editor):
    apps.get_model("registry", "CodeItem").objects.all().delete()
    apps.get_model("registry", "CodeList").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
