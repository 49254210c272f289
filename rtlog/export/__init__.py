"""Conversations → tables: the rows behind `rtlog export` and `rtlog query`.

`schema` declares the tables and their columns (and flattens the `Summary` into the `files`
table, so a new summary field becomes a column without hand work); `rows` makes one log
file's rows from its `Conversation` and `Summary`; `writers` streams rows into JSONL, CSV or
Parquet (`parquet`: rtlog's own writer); `run` is the export itself (inputs, incremental
re-runs, shards, processes or a Dask cluster, the atomic commit); `frames` is the same per-file
export as pandas DataFrames for Spark's `mapInPandas`; `otlp` is the OpenTelemetry view;
`query` runs SQL over an export with DuckDB. Nothing here knows typer or rich.
"""
