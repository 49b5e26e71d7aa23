"""File exports of results (``--format xlsx``): :mod:`scenarios.exports.xlsx`."""
