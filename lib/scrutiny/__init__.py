"""scrutiny: notebook analytics for an Office of the Police and Crime Commissioner.

The package holds everything the briefing notebooks call: data loading and validation
(:mod:`scrutiny.data`), the statistics (:mod:`scrutiny.spc`, :mod:`scrutiny.compare`,
:mod:`scrutiny.trends`, :mod:`scrutiny.disclosure`), the budget model
(:mod:`scrutiny.budget`), presentation helpers and the briefing runner.
"""

__version__ = "0.1.0"
