"""The 建档立卡 registry: households, members, and what changes by year.

* ``Household`` and ``Person`` hold what is stable; ``HouseholdYear`` and ``PersonYear`` hold one
  snapshot per year (status, causes, income, living conditions; health, labour, schooling,
  insurance, assistance), so a closed year's reports reproduce exactly.
* ``StatusEvent`` is the log of status changes (识别, 脱贫, 返贫, 监测识别, 风险消除, 清退, 自然增减).
* Code-list values are stored as codes and checked against ``CodeItem`` (editable data).
* ``version`` columns implement optimistic locking: every update is ``WHERE version = expected``.
Writes go through ``registry.services`` only.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jingzhun.core.models import TimeStampedModel

MONEY = {"max_digits": 14, "decimal_places": 2, "default": Decimal("0")}
AREA_MU = {"max_digits": 10, "decimal_places": 2, "null": True, "blank": True}


class CodeList(models.Model):
    key = models.CharField(_("key"), max_length=40, primary_key=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=80)
    certainty = models.CharField(_("certainty"), max_length=16, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("code list")
        verbose_name_plural = _("code lists")
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.name_zh} / {self.name_en}"


class CodeItem(models.Model):
    code_list = models.ForeignKey(CodeList, verbose_name=_("code list"), on_delete=models.CASCADE, related_name="items")
    code = models.CharField(_("code"), max_length=40)
    label_zh = models.CharField(_("label (Chinese)"), max_length=60)
    label_en = models.CharField(_("label (English)"), max_length=80)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)

    class Meta:
        verbose_name = _("code")
        verbose_name_plural = _("codes")
        ordering = ["code_list", "sort_order", "code"]
        constraints = [models.UniqueConstraint(fields=["code_list", "code"], name="codeitem_unique_code")]

    def __str__(self) -> str:
        return f"{self.code_list_id}:{self.code} {self.label_zh}"


class Household(TimeStampedModel):
    household_number = models.CharField(_("household number"), max_length=20, unique=True)
    # Indexed by household_area_idx (area, household_number), which serves the area's own lookups too.
    area = models.ForeignKey("areas.Area", verbose_name=_("village"), on_delete=models.PROTECT, related_name="households",
                             db_index=False)
    group_name = models.CharField(_("villager group"), max_length=60, blank=True)
    natural_village = models.CharField(_("natural village"), max_length=60, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    bank_name = models.CharField(_("bank"), max_length=60, blank=True)
    bank_account = models.CharField(_("bank account"), max_length=40, blank=True)
    is_military_family = models.BooleanField(_("military or martyr family"), default=False)
    is_only_child = models.BooleanField(_("only-child household"), default=False)
    is_two_daughters = models.BooleanField(_("two-daughter household"), default=False)
    is_relocated = models.BooleanField(_("relocated household"), default=False)
    relocation_mode = models.CharField(_("relocation mode"), max_length=60, blank=True)
    resettlement_address = models.CharField(_("resettlement address"), max_length=200, blank=True)
    # Denormalised for lists and search; maintained by the services.
    head_name = models.CharField(_("head of household"), max_length=60, blank=True)  # searched through the members' names
    member_count = models.PositiveSmallIntegerField(_("members"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["household_number"]
        indexes = [models.Index(fields=["area", "household_number"], name="household_area_idx")]

    def __str__(self) -> str:
        return f"{self.household_number} {self.head_name}"


class Person(TimeStampedModel):
    household = models.ForeignKey(Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="members")
    name = models.CharField(pgettext_lazy("person", "name"), max_length=60, db_index=True)
    sex = models.CharField(_("sex"), max_length=1)
    id_type = models.CharField(_("ID type"), max_length=20, default="resident_id")
    id_number = models.CharField(_("ID number"), max_length=22)
    # First 18 characters, upper case: the identity that must be unique in the whole registry (the
    # constraint person_unique_id_base: one index, without the pattern-ops copy `unique=True` adds).
    id_base = models.CharField(_("identity number"), max_length=18)
    birth_date = models.DateField(_("birth date"))
    relation = models.CharField(_("relationship to head"), max_length=30)
    ethnicity = models.CharField(_("ethnic group"), max_length=4, blank=True)
    political_status = models.CharField(_("political status"), max_length=20, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    is_soldier = models.BooleanField(_("in active military service"), default=False)
    speaks_mandarin = models.BooleanField(_("speaks Mandarin"), null=True, blank=True)
    status = models.CharField(_("member status"), max_length=20, default="active")
    left_on = models.DateField(_("left on"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["household_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["household"], condition=Q(relation="head", status="active"), name="person_one_head_per_household"
            ),
            models.CheckConstraint(condition=Q(sex__in=["1", "2"]), name="person_sex_1_or_2"),
            models.UniqueConstraint(fields=["id_base"], name="person_unique_id_base"),
        ]

    def __str__(self) -> str:
        return self.name


class HouseholdYear(TimeStampedModel):
    """One household in one year: status, causes, income block, production and living conditions."""

    # Indexed by householdyear_unique_year (household, year).
    household = models.ForeignKey(Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="years",
                                  db_index=False)
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(_("status"), max_length=20)
    identification_standard = models.CharField(_("identification standard"), max_length=4, blank=True)
    household_attribute = models.CharField(_("household attribute"), max_length=20, blank=True)
    main_cause = models.CharField(_("main cause of poverty"), max_length=4, blank=True)
    other_cause_1 = models.CharField(_("other cause 1"), max_length=4, blank=True)
    other_cause_2 = models.CharField(_("other cause 2"), max_length=4, blank=True)
    identification_year = models.PositiveSmallIntegerField(_("identification year"), null=True, blank=True)
    exit_year = models.PositiveSmallIntegerField(_("exit year"), null=True, blank=True)
    returned_year = models.PositiveSmallIntegerField(_("return-to-poverty year"), null=True, blank=True)
    monitoring_type = models.CharField(_("monitoring type"), max_length=20, blank=True)
    monitoring_since = models.DateField(_("monitored since"), null=True, blank=True)
    risks = models.JSONField(_("poverty risks"), default=list, blank=True)
    elimination_method = models.CharField(_("risk elimination method"), max_length=20, blank=True)
    risk_eliminated_on = models.DateField(_("risk eliminated on"), null=True, blank=True)
    no_labour_guaranteed = models.BooleanField(_("whole household without labour, guaranteed by assistance"), default=False)
    size_start = models.PositiveSmallIntegerField(_("household size at start of year"), null=True, blank=True)
    size_end = models.PositiveSmallIntegerField(_("household size at end of year"), null=True, blank=True)
    # Income block (yuan). Totals are derived by the services (registry.income), never typed in.
    wage_income = models.DecimalField(_("wage income"), **MONEY)
    business_income = models.DecimalField(_("production and business income"), **MONEY)
    property_income = models.DecimalField(_("property income"), **MONEY)
    transfer_family_planning = models.DecimalField(_("family-planning allowance"), **MONEY)
    transfer_dibao = models.DecimalField(_("minimum-living-guarantee payments"), **MONEY)
    transfer_tekun = models.DecimalField(_("five-guarantee / destitute support"), **MONEY)
    transfer_pension = models.DecimalField(_("pension"), **MONEY)
    transfer_eco_compensation = models.DecimalField(_("ecological compensation"), **MONEY)
    transfer_other = models.DecimalField(_("other transfer income"), **MONEY)
    transfer_income = models.DecimalField(_("transfer income"), **MONEY)
    business_expense = models.DecimalField(_("production and business expenses"), **MONEY)
    claims_income = models.DecimalField(_("insurance claims income"), **MONEY)
    compliant_out_of_pocket = models.DecimalField(_("compliant out-of-pocket spending"), **MONEY)
    total_income = models.DecimalField(_("total household income"), **MONEY)
    net_income = models.DecimalField(_("household net income"), **MONEY)
    per_capita_net_income = models.DecimalField(_("net income per person"), **MONEY)
    # Production and living conditions.
    arable_land_mu = models.DecimalField(_("arable land (mu)"), **AREA_MU)
    irrigated_land_mu = models.DecimalField(_("irrigated land (mu)"), **AREA_MU)
    forest_land_mu = models.DecimalField(_("forest land (mu)"), **AREA_MU)
    grain_to_forest_mu = models.DecimalField(_("farmland returned to forest (mu)"), **AREA_MU)
    orchard_mu = models.DecimalField(_("orchards (mu)"), **AREA_MU)
    pasture_mu = models.DecimalField(_("pasture (mu)"), **AREA_MU)
    water_surface_mu = models.DecimalField(_("water surface (mu)"), **AREA_MU)
    in_cooperative = models.BooleanField(_("member of a farmers' cooperative"), null=True, blank=True)
    led_by_enterprise = models.BooleanField(_("supported by a leading enterprise"), null=True, blank=True)
    production_electricity = models.BooleanField(_("electricity for production"), null=True, blank=True)
    living_electricity = models.BooleanField(_("electricity for living"), null=True, blank=True)
    broadcast_tv = models.BooleanField(_("radio and TV"), null=True, blank=True)
    drinking_water_difficult = models.BooleanField(_("difficulty getting drinking water"), null=True, blank=True)
    drinking_water_safe = models.BooleanField(_("safe drinking water"), null=True, blank=True)
    water_source = models.CharField(_("drinking-water source"), max_length=20, blank=True)
    housing_area_m2 = models.DecimalField(_("housing area (m²)"), max_digits=8, decimal_places=2, null=True, blank=True)
    house_structure = models.CharField(_("house structure"), max_length=20, blank=True)
    is_dangerous_house = models.BooleanField(_("dangerous house"), null=True, blank=True)
    danger_level = models.CharField(_("dangerous-house grade"), max_length=1, blank=True)
    renovation_year = models.PositiveSmallIntegerField(_("renovation year"), null=True, blank=True)
    sanitary_toilet = models.BooleanField(_("sanitary toilet"), null=True, blank=True)
    distance_to_road_km = models.DecimalField(_("distance to main village road (km)"), max_digits=6, decimal_places=2, null=True, blank=True)
    road_type = models.CharField(_("access road"), max_length=20, blank=True)
    fuel_type = models.CharField(_("main fuel"), max_length=20, blank=True)
    dibao_since = models.DateField(_("minimum living guarantee from (month)"), null=True, blank=True)
    # Set when a procedure (identification, exit, monitoring…) decided this year's status: further
    # edits go through the data-change procedure (workflow), not the edit form.
    locked = models.BooleanField(_("locked by an approved procedure"), default=False)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("household year record")
        verbose_name_plural = _("household year records")
        ordering = ["household_id", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["household", "year"], name="householdyear_unique_year"),
            models.CheckConstraint(
                condition=Q(wage_income__gte=0, business_income__gte=0, property_income__gte=0,
                            transfer_income__gte=0, business_expense__gte=0, claims_income__gte=0,
                            compliant_out_of_pocket__gte=0),
                name="householdyear_income_items_non_negative",
            ),
        ]
        indexes = [models.Index(fields=["year", "status"], name="householdyear_status_idx")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.year} {self.status}"


class PersonYear(TimeStampedModel):
    """One member in one year: the attributes that change."""

    # Indexed by personyear_unique_year (person, year).
    person = models.ForeignKey(Person, verbose_name=_("member"), on_delete=models.PROTECT, related_name="years",
                               db_index=False)
    year = models.PositiveSmallIntegerField(_("year"))
    health = models.CharField(_("health"), max_length=20, blank=True)
    labour_ability = models.CharField(_("labour ability"), max_length=20, blank=True)
    education = models.CharField(_("education"), max_length=20, blank=True)
    school_status = models.CharField(_("school status"), max_length=20, blank=True)
    out_of_school_reason = models.CharField(_("reason for not attending school"), max_length=60, blank=True)
    work_place = models.CharField(_("work location"), max_length=20, blank=True)
    work_months = models.PositiveSmallIntegerField(_("months worked"), null=True, blank=True)
    resident_medical_insurance = models.BooleanField(_("resident basic medical insurance"), null=True, blank=True)
    employee_medical_insurance = models.BooleanField(_("employee basic medical insurance"), null=True, blank=True)
    serious_illness_insurance = models.BooleanField(_("serious-illness insurance"), null=True, blank=True)
    resident_pension_insurance = models.BooleanField(_("resident pension insurance"), null=True, blank=True)
    employee_pension_insurance = models.BooleanField(_("employee pension insurance"), null=True, blank=True)
    commercial_medical_insurance = models.BooleanField(_("commercial supplementary medical insurance"), null=True, blank=True)
    dibao = models.CharField(_("minimum living guarantee"), max_length=10, blank=True)
    tekun = models.CharField(_("destitute support"), max_length=10, blank=True)
    public_welfare_post = models.CharField(_("public-welfare post"), max_length=60, blank=True)
    public_welfare_months = models.PositiveSmallIntegerField(_("months in public-welfare post"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("member year record")
        verbose_name_plural = _("member year records")
        ordering = ["person_id", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["person", "year"], name="personyear_unique_year"),
            models.CheckConstraint(condition=Q(work_months__lte=12), name="personyear_work_months_max_12"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.year}"


class StatusEvent(models.Model):
    """A change of a household's status (识别, 脱贫, 返贫, 监测识别, 风险消除, 清退, 自然增减)."""

    class Kind(models.TextChoices):
        IDENTIFIED = "identified", _("Identified as poor")
        EXITED = "exited", _("Exited poverty")
        RETURNED = "returned", _("Returned to poverty")
        MONITORED = "monitored", _("Identified for monitoring")
        RISK_ELIMINATED = "risk_eliminated", _("Risk eliminated")
        REMOVED = "removed", _("Removed as wrongly registered")
        RISK_ELIMINATION_ROLLED_BACK = "elimination_rolled_back", _("Risk elimination rolled back")
        DIBAO_GRANTED = "dibao_granted", _("Minimum living guarantee granted")
        DATA_CHANGED = "data_changed", _("Locked record changed after approval")
        MEMBER_ADDED = "member_added", _("Member added")
        MEMBER_LEFT = "member_left", _("Member left")
        REGISTERED = "registered", _("Registered")

    household = models.ForeignKey(Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("event"), max_length=24, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    occurred_on = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("status event")
        verbose_name_plural = _("status events")
        ordering = ["household_id", "occurred_on", "id"]

    def __str__(self) -> str:
        return f"{self.household_id} {self.kind} {self.occurred_on}"
