"""The embedded time-series store: SQLite under ``state_dir``, one table per day."""
