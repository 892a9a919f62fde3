"""`opsbot console`: the real app and scheduler against the in-process Slack stand-in,
driven from the terminal or a piped script, with a movable clock.

`workspace` wires the app to the stand-in, `render` shows what Slack would show,
`modal` asks a modal's fields, `timeinput` reads `:advance`/`:at` times, `session`
carries out what the user types and `repl` reads it from stdin."""
