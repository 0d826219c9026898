"""The running daemon: composition, scheduling, workers, HTTP, health, logs."""
