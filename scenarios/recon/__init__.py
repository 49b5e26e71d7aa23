"""Reconstruct the Hang Seng TECH index from its constituents; measure out-of-sample tracking.

Why: an index counterfactual ("what if HSTECH were AI-tilted / ex-autos / equal weighted") is
only believable if the same machinery, run with the *actual* rules, reproduces the actual index.
This package is that machinery plus its validation; :mod:`scenarios.recon.counterfactual`
runs the alternative schemes through it. One module per concept:

    :mod:`.panel`       price panel, dividend un-adjustment, odd sessions, rebalance dates
    :mod:`.membership`  dated index membership
    :mod:`.rules`       weight rules (base, transform, cap), normalization and capping
    :mod:`.fit`         implied weights fitted before a rebalance
    :mod:`.reference`   broker weight estimates (entry and after-rebalance weights)
    :mod:`.simulate`    the rule-based index simulation (one rule; the reference)
    :mod:`.batch`       many schemes at once: the same schedule, implied weights fitted once
    :mod:`.hstech`      HSTECH reconstruction, tracking error, broker weight check

Below the engine (the engine's ``index_weighting`` driver and the backtest's replica use the
same machinery); it imports nothing above :mod:`scenarios.model`. Import names from the module
that defines them; this ``__init__`` imports nothing. Also here: :mod:`.counterfactual` (index
schemes run through the machinery) and :mod:`.weights_at` (the weights in force at a date).

Method (all fractions; returns are simple daily returns)
    1. **Prices.** Constituent closes in the snapshot are Yahoo-adjusted (total return), the index
       is a price index. :func:`price_close` undoes the dividend adjustment exactly (Yahoo's
       factor ``1 - D/raw_close_prev`` applied to every earlier price), so the replica uses price
       returns. Files without dividend information keep total returns (flagged ``"total"`` in
       :attr:`IndexPanel.return_kind`; the bias is their dividend yield times their weight).
    2. **Odd sessions.** A day on which most constituent files show a stale bar (volume 0 and
       open = high = low = close: half days, 2024-01-15, 2024-02-09 ...) is unreliable in the
       snapshot (on 2024-01-15 the index and the stocks disagree by 1.6% and agree again the next
       day). Such sessions are left out of every weight fit and, for the tracking test, merged
       into the next session for the index and the replica alike (:func:`odd_sessions`). The
       simulated index itself still trades every session, so calendar-year returns are exact.
    3. **Weights, out of sample.** At each Hang Seng rebalance date ``R_k`` (Monday after the first
       Friday of Mar/Jun/Sep/Dec) the weights in force during the previous period
       ``[R_{k-1}, R_k)`` are implied from data of that period only: between rebalances a capped
       cap-weighted index is a buy-and-hold portfolio, so ``I_t / I_0 = sum_i w_i G_i(t)`` with
       ``G_i`` the constituent's cumulative price growth. Differencing gives a regression that is
       linear in the start weights ``w`` (non-negative, sum 1), solved by
       :func:`valuation.index.implied.implied_weights`. The fitted weights are drifted to the end
       of the period (``w_i G_i(T) / sum``), the review's changes are applied (removed names out,
       added names in at an entry weight), the 8% cap is re-imposed, and the result is held,
       drifting with prices, through ``[R_k, R_{k+1})``. No price after ``R_k - 1`` is used for the
       weights applied from ``R_k`` on. (``method="trailing"`` instead fits constant weights on the
       last ``window`` daily returns before ``R_k``: the simpler textbook variant, kept for
       comparison.)
    4. **Entrants.** A name added at ``R_k`` has no in-index history before ``R_k``. Its entry
       weight comes from ``entry_weights`` (by default the broker estimates in
       ``reference/hstech_weight_estimates.csv`` where the name's weight before was 0), otherwise
       from the fitted weight of the names removed at the same review (split equally: the index has
       a fixed count, an entrant takes a leaver's slot), otherwise ``default_entry_weight``.
    5. **Missing data.** A member with no price file (1833.HK and 9898.HK in 2024, thirteen
       early members in 2020-2023) or whose file ends inside a test period (1698.HK ends
       2025-10-30) is left out of the
       fit for the days it lacks, so its weight is absorbed by the names that track it best over
       the fit window (a mimicking portfolio fitted on pre-period data only). Every such case is
       listed in :attr:`ReconResult.missing`.
    6. **Tracking error** = ``std(replica - actual, ddof=1) * sqrt(252)`` on daily price returns,
       annualized fraction, per calendar quarter, per rebalance segment and overall.

Entry points: :func:`.hstech.reconstruct_hstech`, :func:`.panel.load_index_panel`,
:func:`.simulate.simulate_index`, :func:`.batch.simulate_index_batch` via
:func:`.counterfactual.simulate_schemes`, :class:`.membership.Membership`,
:func:`.hstech.broker_weight_check`, :func:`.hstech.annualized_te`.
"""
