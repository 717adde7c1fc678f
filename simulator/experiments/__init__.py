"""Layer 5, the experiments: replications as tasks, where they run, and what is kept of them.

Executors (serial, processes, Dask), the replication cache, result sets and the saved result
folders, and the studies built on them: sweeps, sensitivity, capacity and comparisons.
"""
