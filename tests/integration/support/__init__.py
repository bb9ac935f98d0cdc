"""What the integration tests share: constants, the one way to run a module or a play against a sandbox,
assertions, listings of what exists in a sandbox, and the fixtures (registered by tests/integration/conftest.py).
"""
