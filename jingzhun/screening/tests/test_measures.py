"""Poverty measures (``screening.measures``): published worked examples, then the properties.

Plain functions, no database: the Alkire–Foster (2011) example of §3 of the paper, the World Bank
handbook's FGT example, and decomposability, weighting, the union / intersection cutoffs, empty
input, lines per unit and the registry's default dimensions.
"""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pyarrow as pa
import pytest

from jingzhun.screening import measures as m

# Alkire & Foster (2011), J. Public Economics 95(7–8): 4 persons × (income, years of schooling,
# malnourishment, health insurance).
AF_Y = np.array([
    [13.1, 14, 4, 1],
    [15.2, 7, 5, 0],
    [12.5, 10, 1, 0],
    [20, 11, 3, 1],
])
AF_Z = np.array([13, 12, 3, 1])
EQUAL = [0.25, 0.25, 0.25, 0.25]
# Normalised gaps (z − y)/z of the poor (persons 2 and 3) in the dimensions they are deprived in.
POOR_GAPS = [5 / 12, 1.0,  # person 2: schooling, insurance
             0.5 / 13, 2 / 12, 2 / 3, 1.0]  # person 3: income, schooling, malnourishment, insurance
EXACT = dict(rel=1e-12, abs=1e-15)


def close(actual, expected, **tolerance: float) -> None:
    """``actual == pytest.approx(expected, **tolerance)`` — a helper because ruff takes ``r.H == …``
    (the paper's upper-case names) for a Yoda condition."""
    assert actual == pytest.approx(expected, **(tolerance or {"rel": 1e-9, "abs": 1e-12}))


# --- Alkire–Foster worked example -------------------------------------------------------------


def test_alkire_foster_paper_example() -> None:
    r = m.alkire_foster(AF_Y, AF_Z, EQUAL, k=0.5, cardinal=True,
                        keys=("income", "schooling", "malnourishment", "insurance"))
    close(r.H, 0.5, **EXACT)
    close(r.A, 0.75, **EXACT)
    close(r.M0, 0.375, **EXACT)
    close(r.M0, r.H * r.A, **EXACT)
    close(r.M1, sum(POOR_GAPS) / 16, **EXACT)
    close(r.M2, sum(g * g for g in POOR_GAPS) / 16, **EXACT)
    close(r.M1, r.H * r.A * r.G, **EXACT)
    close(r.M2, r.H * r.A * r.S, **EXACT)
    assert r.n_poor == 2 and r.poor_units == 2 and r.N == 4 and r.units == 4
    np.testing.assert_allclose(r.censored_h, [0.25, 0.5, 0.25, 0.5], rtol=1e-12)
    # Person 4 is deprived in schooling only: counted before censoring, not after.
    np.testing.assert_allclose(r.uncensored_h, [0.25, 0.75, 0.25, 0.5], rtol=1e-12)
    np.testing.assert_allclose(r.contribution, [100 / 6, 100 / 3, 100 / 6, 100 / 3], rtol=1e-12)
    assert r.contribution.sum() == pytest.approx(100.0, **EXACT)
    assert r.as_dict()["censored_h"]["schooling"] == pytest.approx(0.5)


def test_alkire_foster_weights_summing_to_d_are_normalised() -> None:
    a = m.alkire_foster(AF_Y, AF_Z, EQUAL, k=0.5, cardinal=True)
    b = m.alkire_foster(AF_Y, AF_Z, [1, 1, 1, 1], k=0.5, cardinal=True)
    np.testing.assert_allclose(b.weights, EQUAL)
    close((a.H, a.A, a.M0, a.M1, a.M2), (b.H, b.A, b.M0, b.M1, b.M2), **EXACT)


def test_binary_dimensions_have_gap_one() -> None:
    r = m.alkire_foster(AF_Y, AF_Z, EQUAL, k=0.5)  # default: every dimension binary
    close(r.M0, 0.375)
    close(r.M1, r.M0)
    close(r.M2, r.M0)
    # Only income cardinal: M1 = (5 binary deprivations + person 3's income gap) / 16.
    mixed = m.alkire_foster(AF_Y, AF_Z, EQUAL, k=0.5, cardinal=[True, False, False, False])
    close(mixed.M1, (5 + 0.5 / 13) / 16, **EXACT)
    close(mixed.M2, (5 + (0.5 / 13) ** 2) / 16, **EXACT)


def test_from_deprivations_matches_achievements() -> None:
    deprived = np.array([
        [0, 0, 0, 0],
        [0, 1, 0, 1],
        [1, 1, 1, 1],
        [0, 1, 0, 0],
    ], dtype=bool)
    gaps = np.where(deprived, (AF_Z - AF_Y) / AF_Z, np.nan)
    a = m.alkire_foster(AF_Y, AF_Z, EQUAL, k=0.5, cardinal=True)
    b = m.alkire_foster_from_deprivations(deprived, [1, 1, 1, 1], 0.5, gaps=gaps)
    close((b.H, b.A, b.M0, b.M1, b.M2), (a.H, a.A, a.M0, a.M1, a.M2), **EXACT)
    np.testing.assert_allclose(b.censored_h, a.censored_h)
    # Without gaps every deprivation is binary; a NaN gap where deprived counts as 1.
    binary = m.alkire_foster_from_deprivations(deprived, EQUAL, 0.5)
    close(binary.M1, 0.375)
    close(binary.M2, 0.375)
    nan_gaps = m.alkire_foster_from_deprivations(deprived, EQUAL, 0.5, gaps=np.full((4, 4), np.nan))
    close(nan_gaps.M1, 0.375)


def test_deprivation_matrix_nulls_are_not_deprived() -> None:
    deprived = np.array([[True, None], [None, None], [1.0, np.nan]], dtype=object)
    r = m.alkire_foster_from_deprivations(deprived, [1, 1], 0.5)
    np.testing.assert_allclose(r.uncensored_h, [2 / 3, 0])
    close(r.H, 2 / 3)


def test_gaps_are_capped_to_unit_interval() -> None:
    r = m.alkire_foster_from_deprivations([[True, False]], [1, 1], 0.5, gaps=[[1.7, -0.3]])
    close(r.M1, 0.5)  # gap capped to 1, weight 0.5, one unit


# --- k: union, intersection, tolerance, validation ---------------------------------------------


def test_union_cutoff() -> None:
    # k = 1 of 4: persons 2, 3, 4 are poor with 2, 4 and 1 deprivations.
    r = m.alkire_foster(AF_Y, AF_Z, EQUAL, k=0.25)
    close(r.H, 0.75)
    close(r.A, 7 / 12)
    close(r.M0, 7 / 16)
    np.testing.assert_allclose(r.censored_h, r.uncensored_h)  # union: censoring changes nothing


def test_intersection_cutoff() -> None:
    r = m.alkire_foster(AF_Y, AF_Z, EQUAL, k=1.0)
    close(r.H, 0.25)
    close(r.A, 1.0)
    close(r.M0, 0.25)
    np.testing.assert_allclose(r.censored_h, [0.25] * 4)


def test_cutoff_tolerates_floating_point() -> None:
    # 8 × 0.1 adds up to 0.7999999999999999 < 0.8, and 6 × 1/6 to 0.9999999999999999 < 1.
    eight = np.zeros((1, 10), dtype=bool)
    eight[0, :8] = True
    assert m.alkire_foster_from_deprivations(eight, [1] * 10, 0.8).H == 1.0
    assert m.alkire_foster_from_deprivations(np.ones((1, 6), dtype=bool), [1] * 6, 1.0).H == 1.0
    seven = np.zeros((1, 10), dtype=bool)
    seven[0, :7] = True
    assert m.alkire_foster_from_deprivations(seven, [1] * 10, 0.8).H == 0.0


@pytest.mark.parametrize("k", [0, -0.1, 2, 1.5])
def test_k_outside_unit_interval_is_refused(k: float) -> None:
    with pytest.raises(ValueError, match="k ="):
        m.alkire_foster(AF_Y, AF_Z, EQUAL, k=k)


def test_deprived_above_cutoff() -> None:
    # Second dimension: deprived when the value exceeds its cutoff (e.g. km to the nearest clinic).
    y = np.array([[1.0, 2.0], [0.0, 9.0], [0.0, 5.0]])
    r = m.alkire_foster(y, [1, 5], [1, 1], k=1.0, deprived_when_below=[True, False])
    close(r.H, 1 / 3)  # only the second unit: 0 < 1 and 9 > 5; 5 is not above 5
    with pytest.raises(ValueError, match="binary"):
        m.alkire_foster(y, [1, 5], [1, 1], k=1.0, deprived_when_below=[True, False], cardinal=True)


def test_unit_weights_equal_repeated_rows() -> None:
    counts = np.array([3, 1, 2, 5])
    weighted = m.alkire_foster(AF_Y, AF_Z, EQUAL, k=0.5, cardinal=True, unit_weights=counts)
    expanded = m.alkire_foster(np.repeat(AF_Y, counts, axis=0), AF_Z, EQUAL, k=0.5, cardinal=True)
    for name in ("H", "A", "M0", "M1", "M2", "n_poor", "N"):
        assert getattr(weighted, name) == pytest.approx(getattr(expanded, name), **EXACT), name
    np.testing.assert_allclose(weighted.censored_h, expanded.censored_h)
    assert weighted.units == 4 and expanded.units == 11


# --- FGT ---------------------------------------------------------------------------------------


def test_fgt_world_bank_example() -> None:
    incomes = [100, 110, 150, 160]
    assert m.fgt(incomes, 125, 0) == pytest.approx(0.5, **EXACT)
    assert m.fgt(incomes, 125, 1) == pytest.approx(0.08, **EXACT)
    assert m.fgt(incomes, 125, 2) == pytest.approx(0.0136, **EXACT)


def test_fgt_poor_is_strictly_below_the_line() -> None:
    assert m.fgt([125, 200], 125, 0) == 0.0
    assert m.fgt([124.99, 200], 125, 0) == 0.5


def test_weighted_fgt_equals_expanded_vector() -> None:
    rng = np.random.default_rng(7)
    incomes = rng.uniform(0, 8000, 300)
    lines = np.where(rng.random(300) < 0.5, 4000.0, 4500.0)
    persons = rng.integers(1, 8, 300)
    for alpha in (0, 1, 2, 1.5):
        weighted = m.fgt(incomes, lines, alpha, weights=persons)
        expanded = m.fgt(np.repeat(incomes, persons), np.repeat(lines, persons), alpha)
        assert weighted == pytest.approx(expanded, rel=1e-12), alpha
        assert weighted != pytest.approx(m.fgt(incomes, lines, alpha), rel=1e-6)  # the weights matter


def test_line_per_unit() -> None:
    # The same income is poor under one county's line and not under another's.
    assert m.fgt([100, 100], [125, 90], 0) == pytest.approx(0.5)
    assert m.fgt([100, 100], [125, 90], 1) == pytest.approx(0.2 / 2)
    assert m.fgt([100, 110, 150, 160], [125] * 4, 2) == pytest.approx(m.fgt([100, 110, 150, 160], 125, 2))
    with pytest.raises(ValueError, match="line"):
        m.fgt([100, 100, 100], [125, 90], 0)
    with pytest.raises(ValueError, match="positive"):
        m.fgt([100], 0, 0)


def test_fgt_leaves_out_missing_incomes_and_reads_arrow_and_polars() -> None:
    assert m.fgt([100, None, 150], 125, 0) == pytest.approx(0.5)
    assert m.fgt(pa.array([100, None, 150]), 125, 1) == pytest.approx(0.1)
    assert m.fgt(pl.Series([100.0, 110, 150, 160]), 125, 2) == pytest.approx(0.0136)


def test_fgt_by_group_matches_subsets_and_decomposes() -> None:
    rng = np.random.default_rng(11)
    n = 5000
    labels = rng.choice(np.array(["430102", "430103", "430104", "520201"], dtype=object), n)
    labels[rng.random(n) < 0.02] = None
    incomes = rng.lognormal(8.3, 0.7, n)
    incomes[rng.random(n) < 0.01] = np.nan
    lines = np.where(rng.random(n) < 0.5, 4000.0, 4300.0)
    persons = rng.integers(1, 7, n)
    table = m.fgt_by_group(labels, incomes, lines, persons)
    assert table["group"].to_list() == ["430102", "430103", "430104", "520201", None]
    for row in table.iter_rows(named=True):
        mask = labels == row["group"] if row["group"] is not None else np.array([v is None for v in labels])
        known = mask & np.isfinite(incomes)
        assert row["households"] == known.sum()
        assert row["households_missing"] == (mask & ~np.isfinite(incomes)).sum()
        assert row["persons"] == persons[known].sum()
        assert row["poor_persons"] == persons[known & (incomes < lines)].sum()
        for alpha in (0, 1, 2):
            assert row[f"P{alpha}"] == pytest.approx(
                m.fgt(incomes[mask], lines[mask], alpha, persons[mask]), rel=1e-12)
    # Additive decomposability: P_α = Σ_g (N_g/N) P_α,g.
    share = table["persons"].to_numpy() / table["persons"].sum()
    for alpha in (0, 1, 2):
        total = m.fgt(incomes, lines, alpha, persons)
        assert float(np.sum(share * table[f"P{alpha}"].to_numpy())) == pytest.approx(total, rel=1e-12)
        assert 0 < total < 1


def test_fgt_by_group_integer_labels_and_custom_alphas() -> None:
    table = m.fgt_by_group([2, 1, 2, 1], [100, 110, 150, 160], 125, alphas=(0, 0.5))
    assert table["group"].to_list() == [1, 2]
    assert table.columns[-2:] == ["P0", "P0.5"]
    assert table["P0"].to_list() == [0.5, 0.5]
    assert table["P0.5"].to_list() == pytest.approx([(15 / 125) ** 0.5 / 2, (25 / 125) ** 0.5 / 2])


def test_incidence() -> None:
    assert m.incidence(3, 200) == pytest.approx(1.5)
    assert m.incidence(0, 0) is None
    assert m.incidence(5, None) is None
    with pytest.raises(ValueError):
        m.incidence(-1, 10)


# --- Subgroup decomposition of M0 --------------------------------------------------------------


def test_decompose_sums_back_to_total() -> None:
    labels = ["a", "b", "a", "b"]
    persons = [2, 5, 3, 1]
    d = m.decompose(labels, AF_Y, AF_Z, EQUAL, 0.5, unit_weights=persons, cardinal=True)
    whole = m.alkire_foster(AF_Y, AF_Z, EQUAL, 0.5, unit_weights=persons, cardinal=True)
    assert list(d) == ["a", "b"] and len(d) == 2
    close(d.total.M0, whole.M0, **EXACT)
    assert sum(d.population_share.values()) == pytest.approx(1.0)
    assert d.population_share["a"] == pytest.approx(5 / 11)
    for name in ("H", "M0", "M1", "M2"):
        recombined = sum(d.population_share[g] * getattr(d[g], name) for g in d)
        assert recombined == pytest.approx(getattr(whole, name), **EXACT), name
    np.testing.assert_allclose(sum(d.population_share[g] * d[g].censored_h for g in d), whole.censored_h)
    assert sum(d.contribution.values()) == pytest.approx(100.0)
    # Group a is persons 1 and 3: only person 3 (weight 3) is poor, with all 4 deprivations.
    close(d["a"].H, 3 / 5)
    close(d["a"].A, 1.0)
    assert d.contribution["a"] == pytest.approx(100 * (5 / 11) * d["a"].M0 / whole.M0)
    frame = d.to_polars()
    assert frame["M0"].to_list() == pytest.approx([d["a"].M0, d["b"].M0])


def test_decompose_vectorised_matches_each_group_alone() -> None:
    rng = np.random.default_rng(3)
    n = 4000
    deprived = rng.random((n, 5)) < 0.25
    gaps = np.full((n, 5), np.nan)
    gaps[:, 0] = rng.random(n)
    labels = rng.integers(0, 13, n)
    persons = rng.integers(1, 6, n)
    d = m.decompose_from_deprivations(labels, deprived, [1] * 5, 0.4, gaps=gaps, unit_weights=persons)
    assert list(d) == sorted(set(labels.tolist()))
    for g in d:
        mask = labels == g
        alone = m.alkire_foster_from_deprivations(deprived[mask], [1] * 5, 0.4, gaps=gaps[mask],
                                                  unit_weights=persons[mask])
        close((d[g].H, d[g].A, d[g].M0, d[g].M1, d[g].M2), (alone.H, alone.A, alone.M0, alone.M1, alone.M2),
              **EXACT)
    assert sum(d.population_share[g] * d[g].M0 for g in d) == pytest.approx(d.total.M0, rel=1e-12)
    assert 0 < d.total.M0 < d.total.H


# --- Empty input -------------------------------------------------------------------------------


def test_empty_input() -> None:
    assert m.fgt([], 125, 0) == 0.0
    assert m.fgt([], 125, 2, weights=[]) == 0.0
    r = m.alkire_foster(np.empty((0, 4)), AF_Z, EQUAL, 0.5, cardinal=True)
    assert (r.H, r.A, r.M0, r.M1, r.M2, r.N, r.units) == (0, 0, 0, 0, 0, 0, 0)
    assert r.censored_h.shape == (4,) and not r.contribution.any()
    e = m.alkire_foster_from_deprivations(np.zeros((0, 5), dtype=bool), [1] * 5, 0.4)
    assert e.M0 == 0.0 and e.uncensored_h.shape == (5,)
    d = m.decompose([], np.empty((0, 4)), AF_Z, EQUAL, 0.5)
    assert len(d) == 0 and d.total.M0 == 0.0 and d.to_polars().height == 0
    table = m.fgt_by_group([], [], 125)
    assert table.height == 0 and "P2" in table.columns
    # Nobody poor: intensity and contributions are 0, not NaN.
    none_poor = m.alkire_foster(AF_Y[:1], AF_Z, EQUAL, 0.5)
    assert none_poor.A == 0.0 and none_poor.contribution.tolist() == [0.0] * 4


# --- The registry's dimensions -----------------------------------------------------------------


def _households() -> pl.DataFrame:
    return pl.DataFrame({
        "household_number": ["h1", "h2", "h3", "h4", "h5"],
        "county6": ["430102", "430102", "520201", "520201", "520201"],
        "member_count": [4, 2, 3, 1, 5],
        "per_capita_net_income": [3000.0, 5000.0, -200.0, None, 4500.0],
        "poverty_line": [4000.0] * 5,
        "n_dropout": [1, 0, None, 0, 0],
        "n_uninsured": [0, 2, 0, None, 0],
        "is_dangerous_house": [None, True, True, False, True],
        "drinking_water_safe": [True, False, None, None, True],
        "drinking_water_difficult": [False, None, None, None, False],
    })


def test_default_dimensions() -> None:
    keys = [dimension.key for dimension in m.DEFAULT_DIMENSIONS]
    assert keys == ["income", "education", "medical", "housing", "water"]
    assert m.DEFAULT_K == 0.4
    np.testing.assert_allclose(m.DEFAULT_DIMENSION_SET.weights, [0.2] * 5)
    assert [dimension.cardinal for dimension in m.DEFAULT_DIMENSIONS] == [True, False, False, False, False]
    assert all(dimension.name_zh and dimension.name_en for dimension in m.DEFAULT_DIMENSIONS)
    sql = m.deprivation_sql(line_column="line")
    assert "poverty_line" not in sql and "AS d_water" in sql and "AS g_income" in sql


def test_deprivations_from_household_table() -> None:
    deprived, gaps = m.deprivations_from_table(_households())
    assert deprived.tolist() == [
        [True, True, False, False, False],  # h1: income, a dropout
        [False, False, True, True, True],  # h2: uninsured, dangerous house, unsafe water (NULL difficult)
        [True, False, False, True, False],  # h3: negative income, dangerous house; NULL water is fine
        [False, False, False, False, False],  # h4: all NULL — not deprived
        [False, False, False, True, False],  # h5: dangerous house only
    ]
    assert gaps[0, 0] == pytest.approx(0.25)
    assert gaps[2, 0] == pytest.approx(1.0)  # a negative income is a full gap, capped at 1
    assert np.isnan(gaps[0, 1])


def test_alkire_foster_on_household_table() -> None:
    households = _households()
    r = m.alkire_foster_table(households)  # 2 of 5: h1, h2, h3 poor
    close(r.H, 3 / 5)
    close(r.A, (0.4 + 0.6 + 0.4) / 3)
    close(r.M1, (0.2 * 0.25 + 0.2 + 0.2 * 3 + 0.2 + 0.2) / 5)
    np.testing.assert_allclose(r.censored_h, [0.4, 0.2, 0.2, 0.4, 0.2])
    assert r.uncensored_h[3] == pytest.approx(0.6)  # h5's dangerous house is censored away
    assert r.keys == m.DEFAULT_DIMENSION_SET.keys
    persons = m.alkire_foster_table(households.to_arrow(), unit_weights="member_count")
    close(persons.H, (4 + 2 + 3) / 15)
    by_county = m.decompose_table(households, "county6", unit_weights="member_count")
    assert by_county["430102"].H == 1.0
    close(by_county["520201"].H, 3 / 9)
    assert sum(by_county.contribution.values()) == pytest.approx(100.0)
    renamed = households.rename({"poverty_line": "line"})
    close(m.alkire_foster_table(renamed, line_column="line").M1, r.M1)


def test_load_dimensions_json_and_toml(tmp_path) -> None:
    spec = {"k": 0.5, "dimensions": [
        {"key": "income", "name_zh": "收入", "name_en": "Income",
         "deprived_sql": "per_capita_net_income < poverty_line",
         "gap_sql": "(poverty_line - per_capita_net_income) / poverty_line", "weight": 2},
        {"key": "housing", "name_zh": "住房", "name_en": "Housing",
         "deprived_sql": "COALESCE(is_dangerous_house, FALSE)"},
    ]}
    path = tmp_path / "dims.json"
    path.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    loaded = m.load_dimensions(path)
    assert loaded.k == 0.5 and loaded.keys == ("income", "housing")
    np.testing.assert_allclose(loaded.weights, [2 / 3, 1 / 3])
    assert loaded.dimensions[0].cardinal and not loaded.dimensions[1].cardinal
    toml = tmp_path / "dims.toml"
    toml.write_text('k = 0.3\n[[dimensions]]\nkey = "water"\nname_zh = "饮水"\nname_en = "Water"\n'
                    'deprived_sql = "NOT COALESCE(drinking_water_safe, TRUE)"\n', encoding="utf-8")
    water = m.load_dimensions(toml)
    assert water.k == 0.3 and water.dimensions[0].weight == 1.0
    # Income weighted 2/3 alone makes a household poor at k = 0.5; housing (1/3) alone does not.
    r = m.alkire_foster_table(_households(), loaded)
    close(r.H, 2 / 5)  # h1 and h3


def test_dimension_sets_are_validated(tmp_path) -> None:
    one = {"key": "a", "name_zh": "甲", "name_en": "A", "deprived_sql": "x > 0"}
    with pytest.raises(ValueError, match="unknown"):
        m.parse_dimensions([{**one, "weigth": 2}])
    with pytest.raises(ValueError, match="duplicate"):
        m.parse_dimensions([one, one])
    with pytest.raises(ValueError, match="k ="):
        m.parse_dimensions({"k": 0, "dimensions": [one]})
    with pytest.raises(ValueError, match="key"):
        m.Dimension("Bad Key", "乙", "B", "x > 0")
    assert m.parse_dimensions([one]).k == m.DEFAULT_K
    with pytest.raises(ValueError, match="json or .toml"):
        m.load_dimensions(tmp_path / "dims.yaml")
