"""Scale tooling: the district-size data generator behind ``manage.py generate_scale`` (issue #12)."""
