"""Content of the CGB briefings: one module per briefing notebook.

Each module holds the composition a notebook calls: pure functions that take loaded data
and parameters and return DataFrames, plain-English sentences and
:class:`scrutiny.present.charts.Chart` objects. Notebooks only set parameters, call these and
display the results, so everything here can be tested on small hand-made frames.
"""
