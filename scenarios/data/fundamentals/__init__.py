"""Company fundamentals from data, point in time (beside the price sources).

One module per concept:

* :mod:`.frame`     the canonical long frame (symbol, item, period_end, period_type, value,
  currency, per_share_basis, source, known_from, filed)
* :mod:`.items`     the item catalogue and the yfinance / SEC field names
* :mod:`.lags`      when figures become known (reporting lag per market; configurable)
* :mod:`.listings`  markets and the ADS <-> Hong Kong line ratios; :mod:`.mapping` converts bases
* :mod:`.jsonio`    JSON files with ``file:line`` errors
* :mod:`.yfdump`, :mod:`.sec`, :mod:`.folder`  saved yfinance dumps and SEC extracts
* :mod:`.yahoo`     live yfinance (:class:`YahooFundamentals`); :mod:`.store` the DuckDB cache
* :mod:`.resolver`  folder -> store -> Yahoo (:func:`default_fundamentals`)
* :mod:`.view`      :class:`FundamentalsView` (no look-ahead); :mod:`.splits` split basis
* :mod:`.select`    TTM / last fiscal year at as_of; :mod:`.baselines` the scenario hook
* :mod:`.estimates` dated forward estimates; :mod:`.quality` known data problems
* :mod:`.shipped`   what a Dask worker reads instead (resolved by the client, shipped with tasks)
"""

from scenarios.data.fundamentals.folder import FundamentalsDir
from scenarios.data.fundamentals.frame import COLUMNS, empty_frame, is_canonical, to_canonical
from scenarios.data.fundamentals.lags import DEFAULT_LAGS, ReportingLags
from scenarios.data.fundamentals.listings import ADS_LISTINGS, basis_factor, market_of
from scenarios.data.fundamentals.resolver import FundamentalsResolver, default_fundamentals
from scenarios.data.fundamentals.select import Picked, pick
from scenarios.data.fundamentals.view import FundamentalsView
from scenarios.data.fundamentals.yahoo import YahooFundamentals

__all__ = [
    "ADS_LISTINGS", "COLUMNS", "DEFAULT_LAGS", "FundamentalsDir", "FundamentalsResolver",
    "FundamentalsView", "Picked", "ReportingLags", "YahooFundamentals", "basis_factor",
    "default_fundamentals", "empty_frame", "is_canonical", "market_of", "pick", "to_canonical",
]
