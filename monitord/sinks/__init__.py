"""Time-series sinks: where every probe result is written."""
