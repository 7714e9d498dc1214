"""Writes. Each service is `<entity>_<action>(*, keyword-only, typed)`, runs inside one transaction,
checks the actor's permission through the one scope, and leaves an audit record."""
