"""The offline local cloud: an AWS endpoint (moto plus our extensions) and a Kubernetes API emulator.

Not part of the collection build (galaxy.yml build_ignore). See docs/architecture.md.
"""
