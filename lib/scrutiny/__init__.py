"""scrutiny: notebook analytics for an Office of the Police and Crime Commissioner.

The package holds everything the briefing notebooks call: data loading and validation
(:mod:`scrutiny.data`), the statistics (:mod:`scrutiny.stats.spc`, :mod:`scrutiny.stats.compare`,
:mod:`scrutiny.stats.trends`, :mod:`scrutiny.stats.disclosure`), the budget model
(:mod:`scrutiny.analysis.budget`), presentation helpers and the briefing runner.
"""

__version__ = "0.1.0"
