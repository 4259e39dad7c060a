"""Load the real province, city and county codes and names (from the cpca package's data file)."""

import csv
import importlib.util
from pathlib import Path

from django.db import migrations

LEVEL_LENGTH = {1: 2, 2: 4, 3: 6}


def _level(code):
    if code[4:6] != "00":
        return 3
    if code[2:4] != "00":
        return 2
    return 1


def load(apps, schema_editor):
    Area = apps.get_model("areas", "Area")
    spec = importlib.util.find_spec("cpca")
    path = Path(next(iter(spec.submodule_search_locations))) / "resources" / "adcodes.csv"
    with path.open(encoding="utf-8") as handle:
        rows = [(r["adcode"], r["name"]) for r in csv.DictReader(handle) if len(r["adcode"]) == 12]
    rows.sort(key=lambda r: (_level(r[0]), r[0]))
    known = set()
    objects = []
    for code, name in rows:
        level = _level(code)
        parent = None
        for lvl in range(level - 1, 0, -1):
            candidate = code[: LEVEL_LENGTH[lvl]].ljust(12, "0")
            if candidate in known:
                parent = candidate
                break
        objects.append(Area(code=code, name=name, level=level, parent_id=parent, source="cpca"))
        known.add(code)
    Area.objects.bulk_create(objects, batch_size=1000)


def unload(apps, schema_editor):
    apps.get_model("areas", "Area").objects.filter(source="cpca").delete()


class Migration(migrations.Migration):
    dependencies = [("areas", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
