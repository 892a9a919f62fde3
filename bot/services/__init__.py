"""Slack-free use cases. Services take a session, add and flush, and never commit."""
