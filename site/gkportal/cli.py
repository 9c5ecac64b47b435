"""The `gk` console script: the project's manage.py."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gkportal.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    # `gk sync-columns` reads better than `gk sync_columns`; Django module names
    # cannot hold hyphens, so accept both spellings.
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
