"""Training mode: the sandbox database that can never be the county (its marker and simulated clock),
exercises as TOML data with their answer keys, building an exercise's situation, and scoring what
the trainee did from the sandbox's cases and events, with attempts kept per trainee.

May import: everything in models.
"""
