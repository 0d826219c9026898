"""Matching: which watched case an item or a docket entry belongs to."""
