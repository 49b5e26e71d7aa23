"""The ``Examples`` sections of the issue-11 valuation modules run and print what they say."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

from valuation import attribution, cash_items, cashflow, hac, volatility


@pytest.mark.parametrize("module", [cash_items, cashflow, attribution, volatility, hac],
                         ids=lambda m: m.__name__)
def test_docstring_examples(module: ModuleType) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
