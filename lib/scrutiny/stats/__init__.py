"""Pure statistics: DataFrame in, DataFrame out; nothing here knows a page or a cycle exists.

* :mod:`~scrutiny.stats.spc`: XmR charts (Making Data Count rules, icons);
* :mod:`~scrutiny.stats.compare`: exact Poisson rates, rate ratios, funnels, ranks, peers;
* :mod:`~scrutiny.stats.trends`: baselines with counts, STL, forecasts;
* :mod:`~scrutiny.stats.disclosure`: small-count suppression.

Layer order: ``data`` -> ``stats`` -> ``analysis`` -> ``present`` -> ``briefings`` -> ``run``;
each imports only from the layers before it.
"""
