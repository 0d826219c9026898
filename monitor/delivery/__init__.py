"""Delivery: the outbox sent to channels, digests and their schedules."""
