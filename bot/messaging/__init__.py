"""The Slack side of each domain: what to say about a change, written to the outbox in the
change's transaction (see bot.delivery for how it is sent)."""
