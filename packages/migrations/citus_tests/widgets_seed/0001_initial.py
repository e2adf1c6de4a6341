"""The first migration, the same in every widgets module of this suite (see ``widgets_v1``)."""

from __future__ import annotations

from importlib import import_module

Migration = import_module("packages.migrations.citus_tests.widgets_v1.0001_initial").Migration
