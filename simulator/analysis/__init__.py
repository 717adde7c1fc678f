"""Layer 4, the analysis: pure functions of one replication's records, and statistics across them.

The KPI registry (:mod:`.registry`: every KPI's name, unit, decimals, direction and en/vi
label), the KPIs themselves, the Time Release Study and fee tables, confidence intervals,
closed forms of queueing theory, distribution fitting and output analysis.
"""
