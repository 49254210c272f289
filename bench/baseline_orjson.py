#!/usr/bin/env python3
"""Baseline: the bare cost of reading a JSONL log and parsing every line with orjson.

    python bench/baseline_orjson.py FILE
"""
import sys

import orjson

for line in open(sys.argv[1], "rb"):
    orjson.loads(line)
