"""The sandbox's git server: smart-HTTP git with basic-auth credentials (`sandbox/git/server.py`)."""
