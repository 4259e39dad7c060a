"""Poverty measures: Foster–Greer–Thorbecke and Alkire–Foster, as pure functions.

No Django and no database: the inputs are numpy arrays (or anything ``numpy.asarray`` reads, polars
Series / DataFrames, pyarrow arrays / tables) and the outputs are floats, small dataclasses and
polars DataFrames, so the same code serves the screening engine, the CLI on a snapshot directory and
the statistics pages.

* **FGT** (Foster, Greer & Thorbecke 1984, "A class of decomposable poverty measures",
  Econometrica 52(3): 761–766)::

      P_α = (1/N) Σ_{i: y_i < z_i} w_i ((z_i − y_i) / z_i)^α,     N = Σ_i w_i

  α = 0 is the headcount ratio (the poverty incidence), α = 1 the poverty gap index, α = 2 the
  squared poverty gap (severity). ``w_i`` is the number of persons of household ``i`` when ``y_i`` is
  the household's income per head, so the measures are over persons. The line ``z_i`` may differ by
  unit (a county's own line).

* **Alkire–Foster** (Alkire & Foster 2011, "Counting and multidimensional poverty measurement",
  Journal of Public Economics 95(7–8): 476–487). With dimension weights ``w_j`` normalised to sum to
  1, deprivation ``g⁰_ij = 1`` when ``y_ij < z_j``, deprivation score ``c_i = Σ_j w_j g⁰_ij`` and the
  dual cutoff ``k`` (a unit is poor when ``c_i ≥ k``), the censored matrices ``g^α_ij(k)`` keep the
  deprivations of the poor only (``g¹`` holds normalised gaps ``(z_j − y_ij)/z_j``, ``g²`` their
  squares; a binary dimension's gap is 1) and::

      H  = q / N                  (q = the number of poor)
      A  = Σ_{poor} c_i / q       (average intensity among the poor)
      M0 = H · A = (1/N) Σ_i Σ_j w_j g⁰_ij(k)
      M1 = H · A · G = (1/N) Σ_i Σ_j w_j g¹_ij(k)
      M2 = H · A · S = (1/N) Σ_i Σ_j w_j g²_ij(k)

  The censored headcount ratio of dimension ``j`` is ``h_j = (1/N) Σ_i g⁰_ij(k)`` and
  ``M0 = Σ_j w_j h_j``, so dimension ``j`` contributes ``w_j h_j / M0`` of M0. Every measure is
  subgroup decomposable: ``M = Σ_g (N_g / N) M_g``.

Unit weights (persons per household) weight every sum above. The group functions (``decompose``,
``fgt_by_group``) aggregate with ``numpy.bincount`` over group codes computed by polars, so three
million households take a few seconds (about 1–3 s measured), not minutes.

The registry's default dimensions (``DEFAULT_DIMENSIONS``) are the "two assurances and three
guarantees" (两不愁三保障): income below the poverty line (cardinal) and compulsory education, basic
medical insurance, safe housing and safe drinking water (binary), equally weighted, poor when
deprived in at least 2 of the 5 (``DEFAULT_K = 0.4``). Each dimension says in SQL (the portable
subset of ``catalogue.base``, over ``household_f``) how it is derived; ``load_dimensions`` reads
another set from a JSON or TOML file.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

# A unit is poor when its deprivation score c_i ≥ k − TOLERANCE: 2 × 0.2 must reach k = 0.4.
TOLERANCE = 1e-9

# ---------------------------------------------------------------------------------------------
# Input conversion
# ---------------------------------------------------------------------------------------------


def _to_polars(values: Any) -> Any:
    if isinstance(values, pa.Table | pa.RecordBatch | pa.Array | pa.ChunkedArray):
        return pl.from_arrow(values)
    return values


def _vector(values: Any, name: str) -> np.ndarray:
    """A 1-D float array; NULLs (None, polars/pyarrow nulls) become NaN."""
    values = _to_polars(values)
    if isinstance(values, pl.DataFrame):
        if values.width != 1:
            raise ValueError(f"{name}: expected one column, got {values.width}")
        values = values.to_series()
    if isinstance(values, pl.Series):
        array = values.cast(pl.Float64).to_numpy()
    else:
        array = np.asarray(values, dtype=float)
    if array.ndim == 0:
        array = array.reshape(1)
    if array.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D array, got shape {array.shape}")
    return array


def _matrix(values: Any, d: int | None, name: str, dtype: Any = float) -> np.ndarray:
    """An n×d array (n may be 0)."""
    values = _to_polars(values)
    if isinstance(values, pl.DataFrame):
        values = values.select(pl.all().cast(pl.Float64)).to_numpy()
    array = np.asarray(values, dtype=dtype) if dtype is float else np.asarray(values)
    if array.size == 0 and d is not None:
        return array.reshape(0, d)
    if array.ndim != 2:
        raise ValueError(f"{name}: expected an n×d matrix, got shape {array.shape}")
    if d is not None and array.shape[1] != d:
        raise ValueError(f"{name}: expected {d} columns, got {array.shape[1]}")
    return array


def _bool_matrix(values: Any, name: str) -> np.ndarray:
    """An n×d boolean matrix; NULL / NaN entries are False (not deprived)."""
    values = _to_polars(values)
    if isinstance(values, pl.DataFrame):
        values = values.select(pl.all().cast(pl.Boolean).fill_null(False)).to_numpy()
    array = np.asarray(values)
    if array.dtype == object:
        def truth(value: Any) -> bool:
            return value is not None and value == value and bool(value)  # value == value: not NaN

        array = np.frompyfunc(truth, 1, 1)(array).astype(bool) if array.size else array.astype(bool)
    elif array.dtype.kind == "f":
        array = np.nan_to_num(array, nan=0.0) != 0
    else:
        array = array.astype(bool)
    if array.ndim != 2:
        if array.size == 0:
            raise ValueError(f"{name}: an empty matrix needs its shape (0, d) to know the dimensions")
        raise ValueError(f"{name}: expected an n×d matrix, got shape {array.shape}")
    return array


def _unit_weights(unit_weights: Any, n: int) -> np.ndarray:
    if unit_weights is None:
        return np.ones(n)
    w = _vector(unit_weights, "unit weights")
    if w.shape[0] != n:
        raise ValueError(f"unit weights: expected {n} values, got {w.shape[0]}")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError("unit weights must be finite and non-negative")
    return w


def _dimension_weights(weights: Any, d: int) -> np.ndarray:
    """Dimension weights normalised to sum to 1 (weights summing to 1 or to d give the same)."""
    w = _vector(weights, "dimension weights")
    if w.shape[0] != d:
        raise ValueError(f"dimension weights: expected {d} values, got {w.shape[0]}")
    if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError("dimension weights must be finite, non-negative and not all zero")
    return w / w.sum()


def _check_k(k: float) -> float:
    k = float(k)
    if not (0 < k <= 1 + TOLERANCE):
        raise ValueError(f"k = {k}: the poverty cutoff is a share of the weighted deprivations, in (0, 1] "
                         "(for k of d equally weighted dimensions pass k/d)")
    return k


def _keys(keys: Sequence[str] | None, d: int) -> tuple[str, ...]:
    if keys is None:
        return tuple(str(j) for j in range(d))
    keys = tuple(str(key) for key in keys)
    if len(keys) != d:
        raise ValueError(f"keys: expected {d} names, got {len(keys)}")
    return keys


def group_codes(labels: Any) -> tuple[np.ndarray, list[Any]]:
    """Dense integer codes of group labels and the labels they stand for, in sorted order.

    ``codes[i]`` indexes ``groups``; a NULL label is a group of its own, last. Computed by polars
    (a sort of the distinct labels), so 3 million string labels cost about a second.
    """
    labels = _to_polars(labels)
    if isinstance(labels, pl.DataFrame):
        labels = labels.to_series()
    if not isinstance(labels, pl.Series):
        labels = pl.Series("group", labels if isinstance(labels, np.ndarray | list) else list(labels))
    series = labels
    if series.dtype == pl.Categorical:
        series = series.cast(pl.String)
    nulls = series.null_count()
    if series.dtype == pl.Null or nulls == len(series):
        return np.zeros(len(series), dtype=np.int64), ([None] if len(series) else [])
    uniques = series.drop_nulls().unique().sort()
    n_distinct = len(uniques)
    if series.dtype == pl.String:  # an Enum of the sorted labels: its codes are the ranks, much faster than rank()
        physical = series.cast(pl.Enum(uniques)).to_physical()
        codes = (physical.fill_null(n_distinct) if nulls else physical).to_numpy().astype(np.int64)
    else:
        ranks = series.rank("dense")
        codes = (ranks.fill_null(n_distinct + 1) if nulls else ranks).to_numpy().astype(np.int64) - 1
    groups = uniques.to_list()
    if nulls:
        groups.append(None)
    return codes, groups


# ---------------------------------------------------------------------------------------------
# Incidence and FGT
# ---------------------------------------------------------------------------------------------


def incidence(poor_persons: float, denominator: float | None) -> float | None:
    """Poverty incidence in percent: ``100 × poor_persons / denominator``.

    The denominator is the caller's choice (the registered rural population, a census population of
    the area — ``features.village_f.denominator``). ``None`` when the denominator is 0 or missing: an
    area without population has no incidence, not an incidence of 0 %. This is the headcount ratio
    P_0 of Foster, Greer & Thorbecke (1984) expressed in percent.
    """
    if denominator is None or poor_persons is None:
        return None
    denominator = float(denominator)
    poor_persons = float(poor_persons)
    if math.isnan(denominator) or math.isnan(poor_persons) or denominator == 0:
        return None
    if denominator < 0 or poor_persons < 0:
        raise ValueError("poor persons and the denominator cannot be negative")
    return 100.0 * poor_persons / denominator


def _fgt_terms(incomes: Any, line: Any, weights: Any) -> tuple[np.ndarray, ...]:
    """Per unit: income, line, weight, whether it counts (income and line known), poor, gap."""
    y = _vector(incomes, "incomes")
    z = _vector(line, "line")
    if z.shape[0] == 1:
        z = np.full(y.shape[0], z[0])
    elif z.shape[0] != y.shape[0]:
        raise ValueError(f"line: expected a scalar or {y.shape[0]} values, got {z.shape[0]}")
    w = _unit_weights(weights, y.shape[0])
    valid = np.isfinite(y) & np.isfinite(z)
    if np.any(z[valid] <= 0):
        raise ValueError("the poverty line must be positive")
    poor = valid & (y < np.where(valid, z, np.inf))
    gap = np.zeros(y.shape[0])
    gap[poor] = (z[poor] - y[poor]) / z[poor]
    return y, z, w, valid, poor, gap


def _check_alpha(alpha: float) -> float:
    alpha = float(alpha)
    if not (alpha >= 0 and math.isfinite(alpha)):
        raise ValueError(f"alpha = {alpha}: the FGT parameter must be a finite number ≥ 0")
    return alpha


def fgt(incomes: Any, line: Any, alpha: float, weights: Any = None) -> float:
    """Foster–Greer–Thorbecke poverty measure P_α (Foster, Greer & Thorbecke 1984, Econometrica 52(3)).

    ``P_α = (1/N) Σ_{i: y_i < z_i} w_i ((z_i − y_i)/z_i)^α`` with ``N = Σ_i w_i``: α = 0 the headcount
    ratio (incidence, as a share), α = 1 the poverty gap index, α = 2 the squared poverty gap.

    ``incomes`` — income per unit (per head of the household); ``line`` — a scalar or one line per
    unit (a county's own line), positive; ``weights`` — units' weights (persons of the household when
    the income is per head; default 1 each). A unit is poor when its income is strictly below its
    line. Units whose income or line is missing (NaN / NULL) are left out of the numerator and of N.
    Gaps are not capped: a negative income has a normalised gap above 1. Returns 0.0 when there is
    nobody (N = 0).
    """
    alpha = _check_alpha(alpha)
    _, _, w, valid, poor, gap = _fgt_terms(incomes, line, weights)
    total = float(w[valid].sum())
    if total == 0:
        return 0.0
    return float(np.sum(w[poor] * gap[poor] ** alpha) / total)


def _alpha_name(alpha: float) -> str:
    return f"P{alpha:g}"


def fgt_by_group(labels: Any, incomes: Any, lines: Any, weights: Any = None,
                 alphas: Sequence[float] = (0, 1, 2)) -> pl.DataFrame:
    """FGT measures per group (village, township, county …), vectorised.

    One row per group (sorted by label; a NULL label is a group of its own, last) with columns
    ``group``, ``households`` (units whose income and line are known), ``persons`` (Σ w_i over them),
    ``poor_households``, ``poor_persons``, ``households_missing`` (units left out for a missing income
    or line) and one column ``P<α>`` per α (``P0``, ``P1``, ``P2``):
    ``P_α,g = (1/N_g) Σ_{i ∈ g, y_i < z_i} w_i ((z_i − y_i)/z_i)^α`` (Foster, Greer & Thorbecke 1984).
    FGT is additively decomposable: ``P_α = Σ_g (N_g / N) P_α,g`` with N_g = ``persons``.

    Computed with one ``numpy.bincount`` per column over polars group codes: no loop over units.
    """
    alphas = [_check_alpha(alpha) for alpha in alphas]
    _, _, w, valid, poor, gap = _fgt_terms(incomes, lines, weights)
    codes, groups = group_codes(labels)
    if codes.shape[0] != w.shape[0]:
        raise ValueError(f"labels: expected {w.shape[0]} values, got {codes.shape[0]}")
    size = len(groups)

    def total(values: np.ndarray) -> np.ndarray:
        return np.bincount(codes, weights=values, minlength=size)

    w_valid = np.where(valid, w, 0.0)
    w_poor = np.where(poor, w, 0.0)
    persons = total(w_valid)
    whole = bool(np.all(w == np.round(w)))

    def count(values: np.ndarray) -> np.ndarray:
        return np.round(values).astype(np.int64)

    columns: dict[str, Any] = {
        "group": pl.Series("group", groups) if groups else pl.Series("group", [], dtype=pl.String),
        "households": count(total(valid.astype(float))),
        "persons": count(persons) if whole else persons,
        "poor_households": count(total(poor.astype(float))),
        "poor_persons": count(total(w_poor)) if whole else total(w_poor),
        "households_missing": count(total((~valid).astype(float))),
    }
    with np.errstate(divide="ignore", invalid="ignore"):
        for alpha in alphas:
            numerator = total(np.where(poor, w_poor * gap ** alpha, 0.0))
            columns[_alpha_name(alpha)] = np.where(persons > 0, numerator / np.where(persons > 0, persons, 1), 0.0)
    return pl.DataFrame(columns)


# ---------------------------------------------------------------------------------------------
# Alkire–Foster
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class AFResult:
    """Alkire–Foster measures of one population (Alkire & Foster 2011, J. Public Economics 95(7–8)).

    ``H`` headcount ratio, ``A`` average intensity among the poor, ``M0 = H·A`` adjusted headcount
    ratio, ``M1 = H·A·G`` adjusted poverty gap, ``M2 = H·A·S`` adjusted FGT; per dimension (in
    ``keys`` order) the censored and uncensored headcount ratios and the percentage contribution to
    M0 (``100 · w_j · h_j / M0``, 0 when M0 is 0). ``n_poor`` and ``N`` are weighted (persons when the
    unit weights are household sizes), ``poor_units`` and ``units`` plain counts. ``weights`` are the
    dimension weights normalised to sum to 1.
    """

    H: float
    A: float
    M0: float
    M1: float
    M2: float
    censored_h: np.ndarray
    uncensored_h: np.ndarray
    contribution: np.ndarray
    n_poor: float
    N: float
    poor_units: int
    units: int
    k: float
    weights: np.ndarray
    keys: tuple[str, ...] = field(default=())

    @property
    def G(self) -> float:
        """Average normalised gap among the censored deprivations: M1 / M0 (0 when M0 is 0)."""
        return self.M1 / self.M0 if self.M0 else 0.0

    @property
    def S(self) -> float:
        """Average squared normalised gap among the censored deprivations: M2 / M0 (0 when M0 is 0)."""
        return self.M2 / self.M0 if self.M0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        """Plain values (per-dimension arrays as ``{key: value}``), for JSON and templates."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                value = {key: float(v) for key, v in zip(self.keys, value, strict=True)}
            out[f.name] = list(value) if isinstance(value, tuple) else value
        out["G"] = self.G
        out["S"] = self.S
        return out


@dataclass(frozen=True)
class _Sums:
    """Weighted sums per group (arrays of length G, or G×d)."""

    N: np.ndarray
    units: np.ndarray
    n_poor: np.ndarray
    poor_units: np.ndarray
    score: np.ndarray  # Σ w_i c_i over the poor
    gap1: np.ndarray  # Σ w_i Σ_j w_j g¹_ij(k)
    gap2: np.ndarray
    deprived: np.ndarray  # G×d: Σ w_i g⁰_ij
    censored: np.ndarray  # G×d: Σ w_i g⁰_ij(k)


def _af_sums(deprived: np.ndarray, gaps: np.ndarray | None, wd: np.ndarray, k: float, w: np.ndarray,
             codes: np.ndarray, size: int) -> _Sums:
    """Per-unit deprivation scores, poverty and censored gaps, summed per group with bincount.

    ``gaps`` holds normalised gaps in [0, 1] where a unit is deprived (ignored elsewhere), or None
    when every dimension is binary. Loops run over the d dimensions, never over units.
    """
    n, d = deprived.shape
    score = np.zeros(n)
    for j in range(d):
        score += wd[j] * deprived[:, j]
    poor = score >= k - TOLERANCE
    w_poor = np.where(poor, w, 0.0)

    def total(values: np.ndarray) -> np.ndarray:
        return np.bincount(codes, weights=values, minlength=size)

    gap1 = np.zeros(n)
    gap2 = np.zeros(n)
    dep = np.zeros((size, d))
    cens = np.zeros((size, d))
    for j in range(d):
        column = deprived[:, j]
        censored = column & poor
        if gaps is None:
            g = censored.astype(float)
            gap1 += wd[j] * g
            gap2 += wd[j] * g
        else:
            g = np.where(censored, gaps[:, j], 0.0)
            gap1 += wd[j] * g
            gap2 += wd[j] * g * g
        dep[:, j] = total(np.where(column, w, 0.0))
        cens[:, j] = total(np.where(censored, w, 0.0))
    return _Sums(
        N=total(w), units=np.bincount(codes, minlength=size), n_poor=total(w_poor),
        poor_units=np.bincount(codes, weights=poor.astype(float), minlength=size),
        score=total(w_poor * score), gap1=total(w * gap1), gap2=total(w * gap2), deprived=dep, censored=cens,
    )


def _af_results(sums: _Sums, wd: np.ndarray, k: float, keys: tuple[str, ...]) -> list[AFResult]:
    """One ``AFResult`` per group of ``sums``, the ratios computed for all groups at once."""

    def ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
        if numerator.ndim == 2:
            denominator = denominator[:, None]
        return np.divide(numerator, denominator, out=np.zeros(numerator.shape), where=denominator > 0)

    N = sums.N
    M0 = ratio(sums.score, N)
    H, A, M1, M2 = ratio(sums.n_poor, N), ratio(sums.score, sums.n_poor), ratio(sums.gap1, N), ratio(sums.gap2, N)
    censored_h = ratio(sums.censored, N)
    uncensored_h = ratio(sums.deprived, N)
    contribution = 100.0 * ratio(censored_h * wd, M0)
    for array in (censored_h, uncensored_h, contribution, wd):
        array.setflags(write=False)  # shared by the results: read-only
    units = sums.units.astype(np.int64)
    poor_units = np.round(sums.poor_units).astype(np.int64)
    return [
        AFResult(H=float(H[g]), A=float(A[g]), M0=float(M0[g]), M1=float(M1[g]), M2=float(M2[g]),
                 censored_h=censored_h[g], uncensored_h=uncensored_h[g], contribution=contribution[g],
                 n_poor=float(sums.n_poor[g]), N=float(N[g]), poor_units=int(poor_units[g]), units=int(units[g]),
                 k=k, weights=wd, keys=keys)
        for g in range(N.shape[0])
    ]


def _achievement_inputs(achievements: Any, cutoffs: Any, deprived_when_below: Any,
                        cardinal: Any) -> tuple[np.ndarray, np.ndarray | None]:
    """Deprivation matrix g⁰ and normalised gaps from achievements and cutoffs."""
    z = _vector(cutoffs, "cutoffs")
    d = z.shape[0]
    y = _matrix(achievements, d, "achievements")
    below = np.broadcast_to(np.asarray(deprived_when_below, dtype=bool), (d,))
    card = np.broadcast_to(np.asarray(False if cardinal is None else cardinal, dtype=bool), (d,))
    if np.any(card & ~below):
        raise ValueError("normalised gaps (z − y)/z are defined for dimensions deprived below their cutoff; "
                         "a dimension deprived above its cutoff must be binary (cardinal=False)")
    if np.any(card & ~(z > 0)):
        raise ValueError("a cardinal dimension needs a positive cutoff")
    with np.errstate(invalid="ignore"):
        deprived = np.where(below, y < z, y > z)  # NaN compares False: a missing value is not a deprivation
    if not np.any(card):
        return deprived, None
    gaps = np.ones(y.shape)
    safe_z = np.where(card, z, 1.0)
    with np.errstate(invalid="ignore"):
        normalised = np.clip((safe_z - y) / safe_z, 0.0, 1.0)
    gaps[:, card] = normalised[:, card]
    return deprived, gaps


def _deprivation_inputs(deprived: Any, gaps: Any) -> tuple[np.ndarray, np.ndarray | None]:
    matrix = _bool_matrix(deprived, "deprived")
    if gaps is None:
        return matrix, None
    g = _matrix(gaps, matrix.shape[1], "gaps")
    if g.shape != matrix.shape:
        raise ValueError(f"gaps: expected shape {matrix.shape}, got {g.shape}")
    # A deprived entry without a gap counts as a binary deprivation (gap 1); gaps are capped to [0, 1].
    return matrix, np.clip(np.where(np.isnan(g), 1.0, g), 0.0, 1.0)


def _single(deprived: np.ndarray, gaps: np.ndarray | None, weights: Any, k: float, unit_weights: Any,
            keys: Sequence[str] | None) -> AFResult:
    n, d = deprived.shape
    wd = _dimension_weights(weights, d)
    k = _check_k(k)
    w = _unit_weights(unit_weights, n)
    sums = _af_sums(deprived, gaps, wd, k, w, np.zeros(n, dtype=np.int64), 1)
    return _af_results(sums, wd, k, _keys(keys, d))[0]


def alkire_foster(achievements: Any, cutoffs: Any, weights: Any, k: float, unit_weights: Any = None,
                  deprived_when_below: bool | Sequence[bool] = True, cardinal: bool | Sequence[bool] | None = None,
                  *, keys: Sequence[str] | None = None) -> AFResult:
    """Alkire–Foster multidimensional poverty measures (Alkire & Foster 2011, J. Public Econ. 95(7–8)).

    ``achievements`` — n×d matrix ``y``; ``cutoffs`` — d deprivation cutoffs ``z``; unit ``i`` is
    deprived in ``j`` when ``y_ij < z_j`` (or ``y_ij > z_j`` for a dimension whose
    ``deprived_when_below`` is False; a bool applies to all). A missing (NaN) achievement is not a
    deprivation. ``weights`` — d dimension weights, normalised to sum to 1 (weights summing to d, as
    in the paper, give the same result). ``k`` — poverty cutoff as a share of the weighted
    deprivations: unit ``i`` is poor when ``c_i = Σ_j w_j g⁰_ij ≥ k`` (with a 1e-9 tolerance); k = the
    smallest weight is the union approach, k = 1 the intersection approach. ``unit_weights`` — the
    units' weights (persons per household; default 1). ``cardinal`` — per dimension (or one bool)
    whether its normalised gap ``(z_j − y_ij)/z_j`` (capped to [0, 1]) enters M1 and M2; a binary
    dimension's gap is 1 (default: all binary, so M1 = M2 = M0).

    Returns H = q/N, A = Σ_poor c_i / q, M0 = H·A, M1 = (1/N) Σ_i Σ_j w_j g¹_ij(k),
    M2 = (1/N) Σ_i Σ_j w_j g²_ij(k), the censored and uncensored headcount ratios per dimension and
    each dimension's percentage contribution to M0. Empty input gives zeros.
    """
    deprived, gaps = _achievement_inputs(achievements, cutoffs, deprived_when_below, cardinal)
    return _single(deprived, gaps, weights, k, unit_weights, keys)


def alkire_foster_from_deprivations(deprived: Any, weights: Any, k: float, gaps: Any = None,
                                    unit_weights: Any = None, *, keys: Sequence[str] | None = None) -> AFResult:
    """Alkire–Foster measures from a deprivation matrix derived upstream (Alkire & Foster 2011).

    ``deprived`` — n×d booleans ``g⁰`` (NULL / NaN: not deprived), e.g. the columns of
    ``deprivation_sql`` computed by the screening engine; ``gaps`` — optional n×d normalised gaps in
    [0, 1] (values outside are capped) used for M1 = (1/N) Σ_i Σ_j w_j g¹_ij(k) and
    M2 = (1/N) Σ_i Σ_j w_j (g¹_ij(k))²; where a unit is deprived and its gap is NaN (a binary
    dimension) the gap is 1, and without ``gaps`` every dimension is binary (M1 = M2 = M0). The other
    arguments and the result are those of ``alkire_foster``: poor when c_i = Σ_j w_j g⁰_ij ≥ k,
    H = q/N, A = Σ_poor c_i / q, M0 = H·A.
    """
    matrix, g = _deprivation_inputs(deprived, gaps)
    return _single(matrix, g, weights, k, unit_weights, keys)


@dataclass(frozen=True, eq=False)
class Decomposition:
    """Alkire–Foster measures by subgroup: ``groups[label]`` is the group's ``AFResult``.

    ``population_share[label] = N_g / N``; ``contribution[label] = 100 · (N_g/N) · M0_g / M0``, the
    group's percentage share of the overall M0 (0 when M0 is 0); ``total`` is the whole population's
    result. Subgroup decomposability (Alkire & Foster 2011, §4): ``M0 = Σ_g (N_g/N) M0_g``, and so for
    H, M1, M2 and the censored headcount ratios. Iterates over labels like a mapping.
    """

    total: AFResult
    groups: dict[Any, AFResult]
    population_share: dict[Any, float]
    contribution: dict[Any, float]

    def __getitem__(self, label: Any) -> AFResult:
        return self.groups[label]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.groups)

    def __len__(self) -> int:
        return len(self.groups)

    def items(self) -> Iterator[tuple[Any, AFResult]]:
        return iter(self.groups.items())

    def to_polars(self) -> pl.DataFrame:
        """One row per group: N, population share, H, A, M0, M1, M2, contribution to M0 (%), and the
        censored headcount ratio ``h_<key>`` of each dimension."""
        rows = []
        for label, result in self.groups.items():
            row = {"group": label, "units": result.units, "N": result.N, "n_poor": result.n_poor,
                   "population_share": self.population_share[label], "H": result.H, "A": result.A,
                   "M0": result.M0, "M1": result.M1, "M2": result.M2, "contribution": self.contribution[label]}
            row.update({f"h_{key}": float(v) for key, v in zip(result.keys, result.censored_h, strict=True)})
            rows.append(row)
        return pl.DataFrame(rows) if rows else pl.DataFrame(schema={"group": pl.String})


def _decompose(labels: Any, deprived: np.ndarray, gaps: np.ndarray | None, weights: Any, k: float,
               unit_weights: Any, keys: Sequence[str] | None) -> Decomposition:
    n, d = deprived.shape
    wd = _dimension_weights(weights, d)
    k = _check_k(k)
    w = _unit_weights(unit_weights, n)
    names = _keys(keys, d)
    codes, labels_sorted = group_codes(labels)
    if codes.shape[0] != n:
        raise ValueError(f"group labels: expected {n} values, got {codes.shape[0]}")
    size = len(labels_sorted)
    sums = _af_sums(deprived, gaps, wd, k, w, codes, size)
    whole = _Sums(**{f.name: getattr(sums, f.name).sum(axis=0, keepdims=True) for f in fields(_Sums)})
    total = _af_results(whole, wd, k, names)[0]
    groups = dict(zip(labels_sorted, _af_results(sums, wd, k, names), strict=True))
    share = {label: (groups[label].N / total.N if total.N else 0.0) for label in labels_sorted}
    contribution = {label: (100.0 * share[label] * groups[label].M0 / total.M0 if total.M0 else 0.0)
                    for label in labels_sorted}
    return Decomposition(total=total, groups=groups, population_share=share, contribution=contribution)


def decompose(group_labels: Any, achievements: Any, cutoffs: Any, weights: Any, k: float,
              unit_weights: Any = None, deprived_when_below: bool | Sequence[bool] = True,
              cardinal: bool | Sequence[bool] | None = None, *, keys: Sequence[str] | None = None) -> Decomposition:
    """Alkire–Foster measures per subgroup, with population shares and contributions to M0.

    Same arguments as ``alkire_foster`` plus one label per unit. Subgroup decomposability (Alkire &
    Foster 2011, J. Public Econ. 95(7–8)): ``M0 = Σ_g (N_g/N) M0_g``; group ``g`` contributes
    ``(N_g/N) M0_g / M0`` of M0. Vectorised: the group sums are ``numpy.bincount`` over polars group
    codes (3 million households in a few seconds).
    """
    deprived, gaps = _achievement_inputs(achievements, cutoffs, deprived_when_below, cardinal)
    return _decompose(group_labels, deprived, gaps, weights, k, unit_weights, keys)


def decompose_from_deprivations(group_labels: Any, deprived: Any, weights: Any, k: float, gaps: Any = None,
                                unit_weights: Any = None, *, keys: Sequence[str] | None = None) -> Decomposition:
    """``decompose`` over a deprivation matrix (and optional gaps) derived upstream, as in
    ``alkire_foster_from_deprivations``: ``M0 = Σ_g (N_g/N) M0_g`` (Alkire & Foster 2011)."""
    matrix, g = _deprivation_inputs(deprived, gaps)
    return _decompose(group_labels, matrix, g, weights, k, unit_weights, keys)


# ---------------------------------------------------------------------------------------------
# Dimensions of the registry
# ---------------------------------------------------------------------------------------------

_KEY = re.compile(r"^[a-z_][a-z0-9_]*$")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Dimension:
    """One deprivation dimension, derived by SQL from a household table.

    ``deprived_sql`` — a boolean SQL expression (portable subset of ``catalogue.base``) true when the
    household is deprived; NULL counts as not deprived. ``gap_sql`` — for a cardinal dimension, the
    normalised gap ``(z − y)/z`` in [0, 1] (used where deprived); None for a binary dimension.
    ``weight`` — relative weight (normalised over the set).
    """

    key: str
    name_zh: str
    name_en: str
    deprived_sql: str
    gap_sql: str | None = None
    weight: float = 1.0

    def __post_init__(self) -> None:
        if not _KEY.match(self.key):
            raise ValueError(f"dimension key {self.key!r}: lower-case letters, digits and _")
        if not self.deprived_sql.strip():
            raise ValueError(f"dimension {self.key}: deprived_sql is empty")
        if not (math.isfinite(float(self.weight)) and float(self.weight) > 0):
            raise ValueError(f"dimension {self.key}: the weight must be positive")

    @property
    def cardinal(self) -> bool:
        return self.gap_sql is not None


@dataclass(frozen=True)
class DimensionSet:
    """A set of dimensions and the poverty cutoff k (a share of the weighted deprivations)."""

    dimensions: tuple[Dimension, ...]
    k: float

    def __post_init__(self) -> None:
        if not self.dimensions:
            raise ValueError("a dimension set needs at least one dimension")
        keys = [dimension.key for dimension in self.dimensions]
        if len(set(keys)) != len(keys):
            raise ValueError(f"duplicate dimension keys: {keys}")
        _check_k(self.k)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(dimension.key for dimension in self.dimensions)

    @property
    def weights(self) -> np.ndarray:
        """Dimension weights normalised to sum to 1."""
        return _dimension_weights([dimension.weight for dimension in self.dimensions], len(self.dimensions))


INCOME_GAP_SQL = ("CASE WHEN per_capita_net_income < poverty_line THEN "
                  "CASE WHEN per_capita_net_income <= 0 THEN 1.0 "
                  "ELSE (poverty_line - per_capita_net_income) / poverty_line END ELSE 0.0 END")

# 两不愁三保障: income (不愁吃、不愁穿) and the three guarantees plus safe drinking water, equally weighted.
DEFAULT_DIMENSIONS: tuple[Dimension, ...] = (
    Dimension("income", "收入低于贫困线（不愁吃、不愁穿）", "Income below the poverty line",
              "COALESCE(per_capita_net_income < poverty_line, FALSE)", INCOME_GAP_SQL),
    Dimension("education", "义务教育（适龄儿童失学辍学）", "Compulsory education (school-age child out of school)",
              "COALESCE(n_dropout, 0) > 0"),
    Dimension("medical", "基本医疗（成员未参加基本医疗保险）", "Basic medical care (member without medical insurance)",
              "COALESCE(n_uninsured, 0) > 0"),
    Dimension("housing", "住房安全（危房）", "Safe housing (dangerous house)",
              "COALESCE(is_dangerous_house, FALSE)"),
    Dimension("water", "饮水安全（饮水不安全或困难）", "Safe drinking water (unsafe or difficult)",
              "(NOT COALESCE(drinking_water_safe, TRUE) OR COALESCE(drinking_water_difficult, FALSE))"),
)
DEFAULT_K = 0.4  # 2 of the 5 equally weighted dimensions
DEFAULT_DIMENSION_SET = DimensionSet(DEFAULT_DIMENSIONS, DEFAULT_K)

_DIMENSION_FIELDS = {f.name for f in fields(Dimension)}


def parse_dimensions(data: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> DimensionSet:
    """A ``DimensionSet`` from parsed JSON/TOML: ``{"k": 0.4, "dimensions": [{key, name_zh, name_en,
    deprived_sql, gap_sql?, weight?}, …]}`` or a bare list of dimensions (k = ``DEFAULT_K``).
    Unknown fields are errors (a misspelt ``weigth`` must not pass silently)."""
    if isinstance(data, Mapping):
        unknown = set(data) - {"k", "dimensions"}
        if unknown:
            raise ValueError(f"unknown fields in the dimension set: {sorted(unknown)}")
        items = data.get("dimensions")
        k = float(data.get("k", DEFAULT_K))
    else:
        items, k = data, DEFAULT_K
    if not isinstance(items, Sequence) or isinstance(items, str):
        raise ValueError("the dimension set needs a list of dimensions")
    dimensions = []
    for item in items:
        unknown = set(item) - _DIMENSION_FIELDS
        if unknown:
            raise ValueError(f"unknown fields in dimension {item.get('key')!r}: {sorted(unknown)}")
        dimensions.append(Dimension(**{**item, "weight": float(item.get("weight", 1.0))}))
    return DimensionSet(tuple(dimensions), k)


def load_dimensions(path: str | Path) -> DimensionSet:
    """Read a dimension set from a ``.json`` or ``.toml`` file (see ``parse_dimensions``). In TOML::

        k = 0.4
        [[dimensions]]
        key = "income"
        name_zh = "收入"
        name_en = "Income"
        deprived_sql = "per_capita_net_income < poverty_line"
        gap_sql = "(poverty_line - per_capita_net_income) / poverty_line"
    """
    path = Path(path)
    if path.suffix.lower() == ".toml":
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    elif path.suffix.lower() == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
    else:
        raise ValueError(f"{path}: a dimension set is a .json or .toml file")
    return parse_dimensions(data)


def _with_line(sql: str, line_column: str) -> str:
    if not _IDENTIFIER.match(line_column):
        raise ValueError(f"line column {line_column!r} is not an identifier")
    return re.sub(r"\bpoverty_line\b", line_column, sql)


def deprivation_sql(dimensions: Sequence[Dimension] | DimensionSet = DEFAULT_DIMENSIONS,
                    line_column: str = "poverty_line") -> str:
    """The SELECT list deriving each dimension from a household table: ``d_<key>`` (boolean, never
    NULL) and, for cardinal dimensions, ``g_<key>`` (normalised gap). ``line_column`` replaces
    ``poverty_line`` in the expressions (e.g. ``line``). Feed the result to
    ``alkire_foster_from_deprivations`` — the AF measures of Alkire & Foster (2011)."""
    dims = dimensions.dimensions if isinstance(dimensions, DimensionSet) else tuple(dimensions)
    items = []
    for dim in dims:
        items.append(f"COALESCE({_with_line(dim.deprived_sql, line_column)}, FALSE) AS d_{dim.key}")
        if dim.gap_sql is not None:
            items.append(f"{_with_line(dim.gap_sql, line_column)} AS g_{dim.key}")
    return ",\n  ".join(items)


def deprivations_from_table(table: Any, dimensions: Sequence[Dimension] | DimensionSet = DEFAULT_DIMENSIONS,
                            line_column: str = "poverty_line") -> tuple[np.ndarray, np.ndarray]:
    """Evaluate the dimensions' SQL over a household table (polars or pyarrow) with polars.

    Returns the n×d deprivation matrix (NULL → not deprived) and the n×d gap matrix (NaN for binary
    dimensions, i.e. gap 1 where deprived), ready for ``alkire_foster_from_deprivations``. Decimal
    columns are read as floats.
    """
    dims = dimensions.dimensions if isinstance(dimensions, DimensionSet) else tuple(dimensions)
    frame = _to_polars(table)
    if not isinstance(frame, pl.DataFrame):
        frame = pl.DataFrame(frame)
    frame = frame.with_columns(pl.col(pl.Decimal).cast(pl.Float64))
    n, d = frame.height, len(dims)
    deprived = np.zeros((n, d), dtype=bool)
    gaps = np.full((n, d), np.nan)
    if n == 0:
        return deprived, gaps
    exprs = []
    for dim in dims:
        exprs.append(pl.sql_expr(_with_line(dim.deprived_sql, line_column)).cast(pl.Boolean)
                     .fill_null(False).alias(f"d_{dim.key}"))
        if dim.gap_sql is not None:
            exprs.append(pl.sql_expr(_with_line(dim.gap_sql, line_column)).cast(pl.Float64).alias(f"g_{dim.key}"))
    result = frame.select(exprs)
    for j, dim in enumerate(dims):
        deprived[:, j] = result[f"d_{dim.key}"].to_numpy()
        if dim.gap_sql is not None:
            gaps[:, j] = result[f"g_{dim.key}"].to_numpy()
    return deprived, gaps


def alkire_foster_table(table: Any, dimensions: DimensionSet = DEFAULT_DIMENSION_SET,
                        unit_weights: str | None = None, line_column: str = "poverty_line") -> AFResult:
    """Alkire–Foster measures (Alkire & Foster 2011) of a household table under a dimension set
    (default: 两不愁三保障, k = 0.4). ``unit_weights`` names a column (e.g. ``member_count``) to count
    persons rather than households."""
    deprived, gaps = deprivations_from_table(table, dimensions, line_column)
    w = _to_polars(table)[unit_weights] if unit_weights else None
    return alkire_foster_from_deprivations(deprived, dimensions.weights, dimensions.k, gaps=gaps,
                                           unit_weights=w, keys=dimensions.keys)


def decompose_table(table: Any, by: str, dimensions: DimensionSet = DEFAULT_DIMENSION_SET,
                    unit_weights: str | None = None, line_column: str = "poverty_line") -> Decomposition:
    """``alkire_foster_table`` per value of the column ``by`` (village, county …), with population
    shares and contributions to M0 (``M0 = Σ_g (N_g/N) M0_g``, Alkire & Foster 2011)."""
    deprived, gaps = deprivations_from_table(table, dimensions, line_column)
    frame = _to_polars(table)
    w = frame[unit_weights] if unit_weights else None
    return decompose_from_deprivations(frame[by], deprived, dimensions.weights, dimensions.k, gaps=gaps,
                                       unit_weights=w, keys=dimensions.keys)
