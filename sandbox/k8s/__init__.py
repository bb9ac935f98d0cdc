"""A single-process Kubernetes API emulator (in the spirit of kwok) serving every sandbox EKS cluster.

It stores objects, simulates the outcome of the usual controllers, and speaks enough of the real API
(discovery, OpenAPI v3, CRUD, patch, server-side apply, watch) that unmodified kubectl, helm, the
kubernetes Python client and kubernetes.core work against it. See docs/architecture.md.
"""
