"""Layer 6, the report: charts and the decision report, drawn from saved result folders.

Chart functions (:mod:`.plots`) return matplotlib figures; :mod:`.i18n` holds every string in
English and Vietnamese; :mod:`.build` writes the self-contained HTML (and PDF) report. Nothing
here imports SimPy or reruns the model.
"""
