"""``manage.py`` of the django-tenants benchmark project."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "common"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "djtsite.settings")

if __name__ == "__main__":
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
