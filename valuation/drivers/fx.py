"""Currency conversion with an explicit direction.

Convention (project-wide): ``fx`` = units of the TARGET (price) currency per ONE unit of the SOURCE
(reporting) currency. Tencent reports in RMB and trades in HKD: ``fx`` = HKD per CNY (about 1.08 in
2025, 1.10 in early 2026), so ``convert(rmb_amount, fx)`` is the amount in HKD.
"""

from __future__ import annotations

from .._types import ArrayLike
from .._validate import Inputs

__all__ = ["convert", "invert_rate", "cross_rate"]


def convert(amount: ArrayLike, fx: ArrayLike) -> ArrayLike:
    """Amount in the source currency -> amount in the target currency: ``amount * fx``.

    Args:
        amount: money in the source (reporting) currency, any sign.
        fx: target-currency units per source-currency unit (> 0), e.g. HKD per CNY 1.08.
    """
    inp = Inputs("convert", amount=amount, fx=fx)
    a = inp.get("amount")
    r = inp.get("fx", gt=0.0)
    inp.broadcast()
    return inp.wrap(a * r)


def invert_rate(fx: ArrayLike) -> ArrayLike:
    """Reverse the direction of a rate: HKD per CNY -> CNY per HKD (``1 / fx``, fx > 0)."""
    inp = Inputs("invert_rate", fx=fx)
    return inp.wrap(1.0 / inp.get("fx", gt=0.0))


def cross_rate(target_per_usd: ArrayLike, source_per_usd: ArrayLike) -> ArrayLike:
    """Target per source from two USD quotes: HKD per CNY = (HKD per USD) / (CNY per USD).

    ``cross_rate(7.80, 7.10)`` = 1.0986 HKD per CNY.
    """
    inp = Inputs("cross_rate", target_per_usd=target_per_usd, source_per_usd=source_per_usd)
    t = inp.get("target_per_usd", gt=0.0)
    s = inp.get("source_per_usd", gt=0.0)
    inp.broadcast()
    return inp.wrap(t / s)
