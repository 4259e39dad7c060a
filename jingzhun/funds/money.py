"""Amounts of money as ``decimal.Decimal`` yuan with at most two decimals. No Django here.

``parse_amount`` reads what a person typed (``12000``, ``12,000.50``, full-width ``１２０００``) or a
Decimal/int a program passes, and refuses anything else with a code the services turn into a
message naming the field: ``required``, ``float`` (a binary float is never money), ``not_a_number``
(letters, ``1e5``, ``NaN``, ``Infinity``), ``too_many_decimals``, ``not_positive``, ``too_large``.
The largest amount is what ``DecimalField(max_digits=14, decimal_places=2)`` holds.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_AMOUNT = Decimal("999999999999.99")
_PLAIN = re.compile(r"^\d+(\.\d+)?$")
_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")


class AmountError(ValueError):
    """Why a value is not an amount; ``code`` is one of the codes in the module docstring."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def parse_amount(value: Any) -> Decimal:
    """The amount in ``value`` with exactly two decimals; raises ``AmountError``. Zero and negative
    amounts are refused (a correction is its own, reversing record)."""
    if isinstance(value, float):
        raise AmountError("float")
    if isinstance(value, bool):
        raise AmountError("not_a_number")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise AmountError("not_a_number")
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)
    else:
        text = unicodedata.normalize("NFKC", str(value if value is not None else "")).strip()
        text = text.replace(" ", "").removesuffix("元")
        if not text:
            raise AmountError("required")
        if text.startswith("-") and _PLAIN.match(text[1:]):
            raise AmountError("not_positive")
        if _GROUPED.match(text):
            text = text.replace(",", "")
        if not _PLAIN.match(text):
            raise AmountError("not_a_number")
        amount = Decimal(text)
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:  # "12.345" and "12.500" alike: cents are the unit
        raise AmountError("too_many_decimals")
    if amount <= 0:
        raise AmountError("not_positive")
    if amount > MAX_AMOUNT:
        raise AmountError("too_large")
    return amount.quantize(CENT)


def cents(value: Decimal | None) -> Decimal:
    """A sum read from the database, to the cent. SQLite adds amounts as binary floats and Django
    hands an aggregate back to 15 significant digits (4.33 may come back as 4.33000000000001, a
    net of zero as 1.4E-14); every line is a whole number of fen, so rounding to the cent restores
    the exact sum. PostgreSQL's numeric sums are exact already."""
    return (value if value is not None else ZERO).quantize(CENT)


def split_by_weights(total: Decimal, weights: dict[Any, Decimal]) -> dict[Any, Decimal]:
    """``total`` divided in proportion to ``weights`` to the cent, the parts adding up exactly to
    ``total`` (largest remainders get the leftover cents). Empty when the weights add up to zero."""
    weight_sum = sum(weights.values(), ZERO)
    if weight_sum <= 0:
        return {}
    cents = int((total / CENT).to_integral_value(ROUND_HALF_UP))
    exact = {key: Decimal(cents) * weight / weight_sum for key, weight in weights.items()}
    parts = {key: int(value) for key, value in exact.items()}  # int() truncates towards zero
    leftover = cents - sum(parts.values())
    for key in sorted(exact, key=lambda k: (-(exact[k] - parts[k]), str(k)))[:leftover]:
        parts[key] += 1
    return {key: (Decimal(n) * CENT).quantize(CENT) for key, n in parts.items()}


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    """``part`` as a percentage of ``whole`` with one decimal (half up); None when ``whole`` is 0."""
    if not whole:
        return None
    return (part * 100 / whole).quantize(Decimal("0.1"), ROUND_HALF_UP)


def yuan(amount: Decimal | None) -> str:
    """``1234567.5`` → ``1,234,567.50`` (how amounts are shown on pages, notices and exports)."""
    return f"{(amount or ZERO).quantize(CENT):,.2f}"
