"""Bytes → lines: sources (paths, folders, stdin, compression), the parallel part reader,
and atomic output files. Knows nothing of what a line means beyond `rtlog.protocol`."""
