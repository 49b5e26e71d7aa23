"""Put saved figures on a listing's share basis (ADS <-> Hong Kong line).

Figures saved under an ADS (``BABA``) serve its Hong Kong line (``9988.HK``) and the other way
round: per-share values are multiplied by :func:`~.listings.basis_factor` (per-ADS EPS 44.0 /
8 = RMB 5.50 per ordinary share), share counts divided by it (2.404bn ADS x 8 = 19.235bn
ordinary shares), and the rows are relabelled with the listing asked for. Currencies are not
converted here: statement currency (CNY) meets the trading currency (HKD, USD) through the
scenario's ``fx`` (see :mod:`.baselines`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scenarios.data.fundamentals.frame import to_canonical
from scenarios.data.fundamentals.items import ITEMS
from scenarios.data.fundamentals.listings import basis_factor, basis_of
from scenarios.data.symbols import normalize_symbol


def for_listing(frame: pd.DataFrame, symbol: str) -> pd.DataFrame:
    """``frame`` (rows of ``symbol`` and/or its twin) on ``symbol``'s share basis, relabelled."""
    sym = normalize_symbol(symbol)
    if frame.empty:
        return frame
    target = basis_of(sym)
    kinds = frame["item"].map(lambda i: ITEMS[i].kind if i in ITEMS else "").to_numpy()
    bases = frame["per_share_basis"].to_numpy()
    factors = np.array([basis_factor(sym, b, target) if b and b != target else 1.0 for b in bases])
    values = frame["value"].to_numpy(dtype="float64").copy()
    per_share = kinds == "per_share"
    counts = kinds == "shares"
    values[per_share] *= factors[per_share]
    values[counts] /= factors[counts]
    new_basis = np.where(bases != "", target, "")
    out = frame.assign(symbol=sym, value=values, per_share_basis=new_basis)
    return to_canonical(out)
