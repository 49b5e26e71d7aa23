"""The embedded DuckDB store: its location, connections and transactions, and the recorded runs.

Connections and transactions are in ``db``, the recorded runs in ``runs``. The price bars kept in
the same file are the data layer's (:mod:`scenarios.data.barstore`).
"""
