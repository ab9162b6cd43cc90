"""Helpers shared by the API loaders: load statistics and progress, quarantine, rate limiting, retries."""
