"""Office time, before any database: UTC epoch storage and the office's zone (timeutil), durations
such as 2h / 5wd, the working calendar with statutory holidays and make-up days, and report periods.

Pure functions. May import: models.errors only.
"""
