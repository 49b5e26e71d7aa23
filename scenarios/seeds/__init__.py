"""The five source articles as structured, validated facts.

Files live in the repo's ``seeds/`` folder (or ``$SCENARIOS_SEEDS``):

* ``universes.yaml`` -> :mod:`scenarios.seeds.universes` (named universes with dated
  membership, a theme per symbol);
* ``claims.yaml`` -> :mod:`scenarios.seeds.claims` (every quantitative claim of the articles);
* ``drivers.yaml`` -> :mod:`scenarios.seeds.drivers` (narrative drivers with parameter ranges);
* ``articles.yaml`` -> :mod:`scenarios.seeds.articles` (one entry per article).

Every loader validates with pydantic (unknown keys rejected) and reports problems as
``file:line:col field: message`` through :mod:`scenarios.yamlio`. The claim checker is
:mod:`scenarios.seeds.check`.

Import the submodules directly (``from scenarios.seeds.universes import universe_members``);
this package imports nothing heavy.
"""

from scenarios.seeds.base import seeds_dir

__all__ = ["seeds_dir"]
