"""Measuring the assistant: datasets, scoring, the run store, comparisons, reports and benchmarks.

`evaluate` loads a dataset (the project's golden/quick/full sets or an intent-labelled file) and scores the
router on it; `metrics` holds the statistics (Wilson intervals, McNemar, latency percentiles); `runs` records
every evaluation with its provenance and compares runs; `report` renders summaries and HTML; `bench` and
`bench_voice` time the stages on this machine. Nothing here is needed to answer a request.
"""
