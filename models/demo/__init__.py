"""The demo county and synthetic load: a county's history replayed through the real operations (demo),
its text (demo_text), and a bulk loader for benchmarks.

May import: everything in models.
"""
