"""The cycle's analysis: KPIs, the assessment, the plan grades, the board and its registers.

Functions here return DataFrames an analyst can sort and filter in JupyterLab; the
briefings read them and never compute a statistic of their own.
"""
