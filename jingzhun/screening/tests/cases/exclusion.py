import pyarrow as pa

from jingzhun.screening.snapshot import OPTIONAL_SCHEMAS
from jingzhun.screening.tests.builders import household, snapshot
from jingzhun.screening.tests.cases import Case

SOURCES = ("public_employees", "vehicles", "town_property", "business_registry", "village_cadres")


def _case(source: str, *, on_list: bool, poor: bool = True):
    def build():
        home = household(status="poor" if poor else "general")
        shot = snapshot(home)
        listed = home["members"][1]["person"]["id_number"] if on_list else "441426190001010000"
        shot.tables["department_matches"] = pa.Table.from_pylist(
            [{"id_number": listed, "source": source, "detail": "2024 比对"},
             # On another list: must not count for this source.
             {"id_number": home["members"][0]["person"]["id_number"],
              "source": next(s for s in SOURCES if s != source), "detail": ""}],
            schema=OPTIONAL_SCHEMAS["department_matches"])
        return shot
    return build


CASES = {
    f"EXCL-{i:02d}": Case(hit=_case(source, on_list=True), miss=_case(source, on_list=False),
                          available_data=(source,))
    for i, source in enumerate(SOURCES, 1)
}
