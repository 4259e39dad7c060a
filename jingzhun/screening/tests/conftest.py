"""A small generated county, loaded into the test database (one village of ~1,500 persons)."""

from __future__ import annotations

from pathlib import Path

import pytest

from jingzhun.synthetic.generator import write_registry


@pytest.fixture(scope="session")
def generated_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("generated")
    write_registry(persons=600, seed=11, out=directory, year=2024)
    return directory


@pytest.fixture
def loaded(personas, generated_dir):
    from jingzhun.registry.bulk import load_generated

    load_generated(generated_dir, progress=False)
    return personas
