"""The sandbox's AWS endpoint: moto behind a WSGI layer that counts, injects faults and extends."""
