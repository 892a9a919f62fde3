"""Parsers: command text in, a typed command (or a UsageError with the usage) out."""
