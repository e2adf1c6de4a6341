"""A tenant app for the migrations tests: a model, and a data migration that can be made to fail in one schema."""
