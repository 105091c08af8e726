"""subctl: keep marketplace subscriptions in the state a git repository declares."""

__version__ = "0.1.0"
