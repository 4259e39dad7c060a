import datetime as dt

from jingzhun.screening.tests.builders import household, member, resident_id, snapshot
from jingzhun.screening.tests.cases import Case

BIRTH = dt.date(1979, 3, 15)  # the default head's birth date (aged 45 in 2024)
VALID = resident_id(BIRTH, "1", 7)
WRONG_CHECK = VALID[:17] + ("0" if VALID[17] != "0" else "1")
MONITORED = {"status": "monitored", "monitoring_type": "edge", "monitoring_since": dt.date(2024, 1, 10),
             "risks": ["illness"]}


def head(**changes):
    return member(**{"relation": "head", "sex": "1", "age": 45, "phone": "13800138000", **changes})


def family(first, *others):
    """A household whose head is ``first`` and the default spouse and son."""
    return household(members=[first, member(relation="spouse", sex="2", age=43), member(relation="son", sex="1", age=10),
                              *others])


def with_head(**changes):
    return snapshot(family(head(**changes)))


def workers(phone_a, place_a, phone_b, place_b):
    return snapshot(household(members=[
        member(relation="head", sex="1", age=45, phone=phone_a, work_place=place_a),
        member(relation="spouse", sex="2", age=43, phone=phone_b, work_place=place_b),
    ]))


CASES = {
    "Q41-01": Case(hit=lambda: with_head(id_number=VALID + "1"), miss=lambda: with_head(id_number=VALID + "41")),
    "Q41-02": Case(hit=lambda: with_head(id_number=VALID[:6] + VALID[8:17]), miss=lambda: with_head(id_number=VALID)),
    "Q41-03": Case(hit=lambda: with_head(id_number=VALID[:17] + "Y"), miss=lambda: with_head(id_number=VALID[:17] + "X")),
    "Q41-04": Case(hit=lambda: with_head(id_number=WRONG_CHECK), miss=lambda: with_head(id_number=VALID)),
    "Q41-05": Case(
        hit=lambda: with_head(id_type="disability_cert", health="disabled", id_number=WRONG_CHECK + "41"),
        miss=lambda: with_head(id_type="disability_cert", health="disabled", id_number=VALID + "41"),
    ),
    # The ID says 1979-03-15: a birth date a day later misses it.
    "Q41-06": Case(hit=lambda: with_head(id_number=VALID, birth_date=dt.date(1979, 3, 16)),
                   miss=lambda: with_head(id_number=VALID, birth_date=BIRTH)),
    "Q41-07": Case(hit=lambda: with_head(id_number=resident_id(BIRTH, "2", 7)),
                   miss=lambda: with_head(id_number=resident_id(BIRTH, "1", 7))),
    "Q41-08": Case(hit=lambda: with_head(id_number=""), miss=lambda: with_head(id_number=VALID)),
    "Q41-09": Case(hit=lambda: with_head(id_number="999999" + VALID[6:]), miss=lambda: with_head(id_number=VALID)),
    # The same person in two households; the miss gives the second one its own number.
    "Q41-10": Case(
        hit=lambda: snapshot(family(head(id_number=VALID)), family(head(id_number=VALID))),
        miss=lambda: snapshot(family(head(id_number=VALID)), family(head(id_number=resident_id(BIRTH, "1", 8)))),
    ),
    "Q41-11": Case(
        hit=lambda: snapshot(family(head(id_number=VALID), member(relation="other", age=45, id_number=VALID))),
        miss=lambda: snapshot(family(head(id_number=VALID),
                                     member(relation="other", age=45, id_number=resident_id(BIRTH, "1", 9)))),
    ),
    "Q41-12": Case(
        hit=lambda: snapshot(household(members=[member(relation="spouse", sex="2", age=43, phone="13800138000"),
                                                member(relation="son", sex="1", age=10)])),
        miss=lambda: snapshot(household(members=[member(relation="head", sex="2", age=43, phone="13800138000"),
                                                 member(relation="son", sex="1", age=10)])),
    ),
    "Q41-13": Case(hit=lambda: snapshot(family(head(), member(relation="head", sex="1", age=70))),
                   miss=lambda: snapshot(family(head(), member(relation="father", sex="1", age=70)))),
    "Q41-14": Case(hit=lambda: snapshot(family(head(), member(relation="spouse", sex="2", age=40))),
                   miss=lambda: snapshot(family(head(), member(relation="other", sex="2", age=40)))),
    "Q41-15": Case(
        hit=lambda: snapshot(household(members=[head(), member(relation="spouse", sex="1", age=43)])),
        miss=lambda: snapshot(household(members=[head(), member(relation="spouse", sex="2", age=43)])),
    ),
    "Q41-16": Case(hit=lambda: snapshot(family(head(), member(relation="father", sex="2", age=70))),
                   miss=lambda: snapshot(family(head(), member(relation="mother", sex="2", age=70)))),
    "Q41-17": Case(hit=lambda: snapshot(family(head(), member(relation="daughter_in_law", sex="1", age=20))),
                   miss=lambda: snapshot(family(head(), member(relation="son_in_law", sex="1", age=20)))),
    # A member who has died still counted in the household's member count.
    "Q41-18": Case(
        hit=lambda: snapshot(family(head(), member(relation="father", sex="1", age=80, status="deceased"))),
        miss=lambda: snapshot(family(head(), member(relation="father", sex="1", age=80))),
    ),
    "Q41-19": Case(hit=lambda: snapshot(household(size_end=4)), miss=lambda: snapshot(household(size_end=3))),
    "Q41-20": Case(hit=lambda: snapshot(household(), household(members=[])), miss=lambda: snapshot(household())),
    "Q41-21": Case(
        hit=lambda: with_head(health="disabled", labour_ability="weak"),
        miss=lambda: with_head(health="disabled", labour_ability="weak", id_type="disability_cert",
                               id_number=VALID + "43"),
    ),
    "Q41-22": Case(hit=lambda: with_head(id_type="disability_cert", id_number=VALID),
                   miss=lambda: with_head(id_type="resident_id", id_number=VALID)),
    "Q41-23": Case(hit=lambda: with_head(phone="1380013800"), miss=lambda: with_head(phone="13800138000")),
    "Q41-24": Case(hit=lambda: with_head(phone="12800138000"), miss=lambda: with_head(phone="13800138000")),
    "Q41-25": Case(
        hit=lambda: snapshot(family(head(phone="13900139000")), family(head(phone="13900139000"))),
        miss=lambda: snapshot(family(head(phone="13900139000")), family(head(phone="13900139001"))),
    ),
    "Q41-26": Case(
        hit=lambda: workers("13900139000", "county", "13900139000", "outside"),
        miss=lambda: workers("13900139000", "county", "13900139000", "township"),
    ),
    "Q41-27": Case(
        hit=lambda: snapshot(household(**MONITORED, household_phone="0851-1234567")),
        miss=lambda: snapshot(household(**MONITORED, household_phone="18508511234")),
    ),
}
