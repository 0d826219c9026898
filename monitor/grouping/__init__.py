"""Grouping: which development of its case a matched item belongs to."""
