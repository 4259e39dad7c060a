"""Property: the database filter and the in-memory check of a scope agree for any codes."""

from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from jingzhun.accounts.scope import code_in_scope, scope_roots
from jingzhun.areas import codes


@st.composite
def area_code(draw):
    level = draw(st.integers(1, 5))
    province = draw(st.sampled_from(["44", "52", "11"]))
    parts = [province, draw(st.sampled_from(["14", "01", "00"])), draw(st.sampled_from(["26", "27", "00"])),
             draw(st.sampled_from(["100", "101", "200"])), draw(st.sampled_from(["201", "202", "001"]))]
    length = codes.LEVEL_PREFIX_LENGTH[level]
    code = "".join(parts)[:length].ljust(12, "0")
    return code


class FakeScope:
    def __init__(self, area_codes):
        self._codes = area_codes

    def values_list(self, *_args, **_kwargs):
        return list(self._codes)


def _user(area_codes):
    return SimpleNamespace(is_authenticated=True, is_active=True, is_superuser=False, scope=FakeScope(area_codes))


@settings(max_examples=300)
@given(st.lists(area_code(), min_size=0, max_size=4), area_code())
def test_range_filter_equals_prefix_check(scope_codes, candidate):
    user = _user(scope_codes)
    in_ranges = any(low <= candidate <= high for low, high in (codes.code_range(r) for r in scope_roots(user)))
    assert in_ranges == code_in_scope(user, candidate)
    assert in_ranges == any(candidate.startswith(codes.prefix_of(c)) for c in scope_codes)
