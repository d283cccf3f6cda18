"""`firebell demo`: the real bot wired to the local Slack stand-in, shown in a browser."""
