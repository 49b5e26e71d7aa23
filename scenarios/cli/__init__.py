"""The ``scenarios`` command line (typer). Heavy libraries are imported inside commands."""
