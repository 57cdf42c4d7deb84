"""Strikewatch: NHS appointments and operations rescheduled by strikes, for Discord and the command line."""

__version__ = "0.1.0"
