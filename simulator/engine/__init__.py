"""Layer 3, the engine: one replication of a scenario in SimPy, and its event log.

Named random streams, clocks and calendar rules, arrivals, per-truck draws, resources, the
SimPy model (:mod:`.model`) and the frozen run output (:mod:`.output`). It reads the
scenario layer only, and never imports pandas, the analysis or the charts.
"""
