"""The embedded DuckDB store: its location, connections and transactions (``db``) and the recorded
runs (``runs``). The price bars kept in the same file are the data layer's
(:mod:`scenarios.data.barstore`).
"""
