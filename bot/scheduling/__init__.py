"""Scheduling: when reminders fire (recurrence), what to do about late or quiet slots (policy)."""
