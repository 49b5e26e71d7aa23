"""``scenarios.pkgmeta.source_digest``: the project's files as installed, bytecode left out."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from scenarios import pkgmeta


@pytest.fixture
def fake_packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for pkg in ("scenarios", "valuation"):
        (tmp_path / pkg / "templates").mkdir(parents=True)
        (tmp_path / pkg / "__init__.py").write_text("x = 1\n")
        (tmp_path / pkg / "templates" / "page.html").write_text("<p>\n")
    monkeypatch.setattr(pkgmeta.importlib.util, "find_spec",
                        lambda name: SimpleNamespace(submodule_search_locations=[str(tmp_path / name)]))
    pkgmeta.source_digest.cache_clear()
    yield tmp_path
    pkgmeta.source_digest.cache_clear()


def _digest() -> str:
    pkgmeta.source_digest.cache_clear()
    return pkgmeta.source_digest()


def test_any_source_or_package_data_changes_it_bytecode_does_not(fake_packages: Path) -> None:
    first = _digest()
    assert len(first) == 32 and _digest() == first
    cache = fake_packages / "valuation" / "__pycache__"
    cache.mkdir()
    (cache / "m.cpython-311.pyc").write_bytes(b"\0\1")
    assert _digest() == first
    (fake_packages / "scenarios" / "templates" / "page.html").write_text("<p>!\n")
    second = _digest()
    assert second != first
    (fake_packages / "valuation" / "__init__.py").write_text("x = 2\n")
    assert _digest() != second
    # a file moved between the packages is a different build
    (fake_packages / "valuation" / "__init__.py").write_text("x = 1\n")
    (fake_packages / "scenarios" / "templates" / "page.html").write_text("<p>\n")
    assert _digest() == first
    (fake_packages / "valuation" / "templates" / "page.html").rename(fake_packages / "valuation" / "page.html")
    assert _digest() != first
