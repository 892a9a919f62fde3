"""A stand-in for Slack: a local fake of the Web API served over real HTTP, and a driver
that sends correctly signed Slack requests to the app. The tests and `opsbot console`
both use it, so Opsbot can be exercised end to end without a Slack workspace."""
