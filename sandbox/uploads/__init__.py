"""Models with file fields, installed only by the tests of the tenant storages (tables made by those tests)."""
