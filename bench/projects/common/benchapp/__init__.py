"""The tenant app every benchmark project shares: one table, one view."""
