"""Plain Django: the same table and view, in one schema, with no tenant middleware."""
