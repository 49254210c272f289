"""`rtlog diff`: what changed between two sessions, or two cohorts of sessions, and a gate.

A view over the conversation model and its summary (never over events): `config`
(session settings), `outcome` (what happened), `metrics` (the table of numbers that can be
compared — one row per metric), `align` (the two transcripts, turn by turn, word by word),
`stats` and `cohort` (medians, percentiles and bootstrap confidence intervals over folders),
`rules` (the `--fail-on` gate), and `run` (paths in, one `PairDiff` or `CohortDiff` out).
"""
