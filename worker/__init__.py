"""Background jobs (RQ in scale-out; the same functions in-process when embedded)."""
