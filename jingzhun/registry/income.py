"""The income block's derived values (domain §1.4). Pure: no Django.

家庭纯收入 = 工资性 + 生产经营性 + 财产性 + 转移性 − 生产经营性支出; 人均纯收入 = 纯收入 / 人口.
转移性收入 is the sum of its sub-items. The population is the year-end household size when recorded,
else the number of members living in the household (the national text does not fix it, domain §6).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

TRANSFER_ITEMS = (
    "transfer_family_planning",
    "transfer_dibao",
    "transfer_tekun",
    "transfer_pension",
    "transfer_eco_compensation",
    "transfer_other",
)
INCOME_ITEMS = (
    "wage_income",
    "business_income",
    "property_income",
    *TRANSFER_ITEMS,
    "business_expense",
    "claims_income",
    "compliant_out_of_pocket",
)
CENT = Decimal("0.01")


def derive_income(items: Mapping[str, Decimal], persons: int) -> dict[str, Decimal]:
    """Return transfer_income, total_income, net_income and per_capita_net_income."""
    value = {k: Decimal(items.get(k) or 0) for k in INCOME_ITEMS}
    transfer = sum((value[k] for k in TRANSFER_ITEMS), Decimal(0))
    total = value["wage_income"] + value["business_income"] + value["property_income"] + transfer
    net = total - value["business_expense"]
    per_capita = (net / persons).quantize(CENT, ROUND_HALF_UP) if persons > 0 else Decimal("0.00")
    return {
        "transfer_income": transfer.quantize(CENT),
        "total_income": total.quantize(CENT),
        "net_income": net.quantize(CENT),
        "per_capita_net_income": per_capita,
    }
