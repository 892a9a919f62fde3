"""Opsbot: a self-hosted operations assistant for Slack."""
