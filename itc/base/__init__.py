"""What every layer of the process stands on: settings, the log shape, user-facing errors, protocol files.

Nothing here imports from the rest of `itc` except the protocol's rules, so the
runtime, the payload crypto, the API and the CLI can all depend on it without circles.
"""
