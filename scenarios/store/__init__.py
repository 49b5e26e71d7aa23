"""The embedded DuckDB store: cached price bars (``bars``) and recorded runs (``runs``)."""
