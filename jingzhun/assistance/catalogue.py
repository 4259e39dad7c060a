"""The catalogue of assistance measures (帮扶措施) and the pathways they belong to. Pure data.

Each measure kind names its pathway (五个一批, with 转移就业 as the sixth that county statistics add —
domain §1.9), whether it is developmental (开发式: industry, employment, finance, public-welfare
post — 2021+ rule 5_12_007), and the causes of poverty (``poverty_cause`` codes) and risks
(``risk_type`` codes) it answers (domain §4.9: 因病 needs health, social or comprehensive support;
因学 education; 因残 comprehensive or social support; housing risk needs housing or relocation; water
risk needs water). ``matching`` turns this into gaps and warnings.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Pathway:
    code: str
    zh: str
    en: str


PATHWAYS: tuple[Pathway, ...] = (
    Pathway("production", "发展生产脱贫一批", "Development of production"),
    Pathway("employment", "转移就业脱贫一批", "Employment away from the farm"),
    Pathway("relocation", "易地搬迁脱贫一批", "Relocation"),
    Pathway("ecology", "生态补偿脱贫一批", "Ecological compensation"),
    Pathway("education", "发展教育脱贫一批", "Education"),
    Pathway("security", "社会保障兜底一批", "Social security safety net"),
    Pathway("guarantees", "三保障与饮水、生产生活条件", "Basic guarantees, water and living conditions"),
)
PATHWAY_BY_CODE = {p.code: p for p in PATHWAYS}


@dataclass(frozen=True)
class MeasureKind:
    code: str
    zh: str
    en: str
    pathway: str
    developmental: bool = False
    causes: tuple[str, ...] = ()
    risks: tuple[str, ...] = ()
    safety_net: bool = False  # 兜底: the answer for households without labour


MEASURE_KINDS: tuple[MeasureKind, ...] = (
    MeasureKind("industry", "产业帮扶", "Industry support", "production", developmental=True,
                causes=("5", "7", "9", "11"), risks=("industry_failure",)),
    MeasureKind("cooperative", "合作社入股分红 / 资产收益", "Cooperative shares, asset income", "production",
                causes=("8", "9"), risks=("industry_failure", "lack_labour")),
    MeasureKind("land_transfer", "土地流转", "Land transfer", "production", causes=("5", "8")),
    MeasureKind("ecommerce", "电商帮扶", "E-commerce support", "production", developmental=True, causes=("10", "9")),
    MeasureKind("employment", "就业帮扶（外出务工补贴、劳务输出）", "Employment support", "employment",
                developmental=True, causes=("7", "9", "11"), risks=("unstable_work",)),
    MeasureKind("skills_training", "技能培训", "Skills training", "employment", developmental=True,
                causes=("7", "11"), risks=("unstable_work",)),
    MeasureKind("welfare_post", "公益性岗位帮扶", "Public-welfare post", "employment", developmental=True,
                causes=("7", "8", "11"), risks=("unstable_work", "lack_labour")),
    MeasureKind("microcredit", "金融帮扶（小额信贷及贴息）", "Finance: microcredit and interest subsidy", "production",
                developmental=True, causes=("9",), risks=("industry_failure",)),
    MeasureKind("relocation", "易地扶贫搬迁", "Relocation", "relocation",
                causes=("5", "6", "10", "4"), risks=("housing", "disaster")),
    MeasureKind("ecology", "生态帮扶（生态护林员、生态补偿）", "Ecological posts and compensation", "ecology",
                causes=("5", "8")),
    MeasureKind("education", "教育帮扶（雨露计划、助学）", "Education support", "education",
                causes=("3",), risks=("schooling",)),
    MeasureKind("compulsory_education", "义务教育保障", "Compulsory education guarantee", "education",
                causes=("3",), risks=("schooling",)),
    MeasureKind("health", "健康帮扶（大病救治、慢病签约、医保缴费补贴）", "Health support", "security",
                causes=("1",), risks=("illness",)),
    MeasureKind("dibao", "低保", "Minimum living guarantee", "security", safety_net=True,
                causes=("1", "2", "8"), risks=("illness", "disability", "lack_labour")),
    MeasureKind("tekun", "特困供养", "Support for the destitute", "security", safety_net=True,
                causes=("2", "8"), risks=("disability", "lack_labour")),
    MeasureKind("disability", "残疾人补贴", "Disability allowances", "security", safety_net=True,
                causes=("2",), risks=("disability",)),
    MeasureKind("comprehensive", "综合保障（临时救助、养老保险等）", "Comprehensive social assistance", "security",
                safety_net=True, causes=("1", "2", "4", "8"),
                risks=("illness", "disability", "disaster", "accident", "lack_labour")),
    MeasureKind("social", "社会帮扶", "Social assistance (charities, enterprises)", "security",
                causes=("1", "2", "3", "4"), risks=("illness", "disability", "schooling", "disaster", "accident")),
    MeasureKind("housing", "住房安全保障（危房改造）", "Safe housing (dilapidated-house renovation)", "guarantees",
                causes=("4",), risks=("housing", "disaster")),
    MeasureKind("water", "饮水安全保障", "Safe drinking water", "guarantees", causes=("6",), risks=("water",)),
    MeasureKind("living_conditions", "生产生活条件改善（道路、用电）", "Production and living conditions", "guarantees",
                causes=("6", "10")),
    MeasureKind("other", "其他", "Other", "guarantees"),
)
KIND_BY_CODE = {k.code: k for k in MEASURE_KINDS}

# What a cause or a risk needs (domain §4.9, rules 3_11_003–009 and 5_18_001–007): at least one
# measure of these kinds. Causes and risks not listed here are answered by any fitting measure.
CAUSE_NEEDS: dict[str, tuple[str, ...]] = {
    "1": ("health", "social", "comprehensive", "dibao"),
    "3": ("education", "compulsory_education", "social"),
    "2": ("comprehensive", "social", "disability", "dibao", "tekun"),
}
RISK_NEEDS: dict[str, tuple[str, ...]] = {
    "illness": CAUSE_NEEDS["1"],
    "schooling": CAUSE_NEEDS["3"],
    "disability": CAUSE_NEEDS["2"],
    "housing": ("housing", "relocation"),
    "water": ("water",),
}
# Developmental measures that do not count on their own (rule 5_12_011).
WEAK_DEVELOPMENTAL = ("skills_training", "other")

