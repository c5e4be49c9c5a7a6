"""People: personal accounts, sign-in, sessions, personal API tokens, the access log and
electronic signatures. Identity comes from here, never from a request's body."""
