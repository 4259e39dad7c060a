"""Load national defaults and known provincial overrides (defaults.json beside the app)."""

import json
from decimal import Decimal
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "defaults.json"


def load(apps, schema_editor):
    PolicyParameter = apps.get_model("policy", "PolicyParameter")
    Area = apps.get_model("areas", "Area")
    data = json.loads(DATA.read_text(encoding="utf-8"))
    known_areas = set(Area.objects.values_list("code", flat=True))
    rows = []
    for spec in data["parameters"]:
        area = spec.get("area")
        if area and area not in known_areas:
            continue
        rows.append(PolicyParameter(kind=spec["kind"], area_id=area, year=spec["year"], value=Decimal(spec["value"]),
                                    certainty=spec["certainty"], source=spec.get("source", "")))
    for province in data["western_provinces"]:
        if province not in known_areas:
            continue
        for kind in ("village_exit_incidence_max", "county_exit_incidence_max"):
            rows.append(PolicyParameter(kind=kind, area_id=province, year=2014,
                                        value=Decimal(data["western_exit_incidence_max"]), certainty="national",
                                        source="below 3% in the western region (S5)"))
    PolicyParameter.objects.bulk_create(rows)


def unload(apps, schema_editor):
    apps.get_model("policy", "PolicyParameter").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("policy", "0001_initial"), ("areas", "0002_load_reference_counties")]
    operations = [migrations.RunPython(load, unload)]
