"""督办: must-supervise flags, the reminder and notice ladder, supervision orders, accountability
records and joint meetings.

May import: intake and everything below it.
"""
