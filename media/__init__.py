"""Uploads and remote media under the instance's protection rules.

Validation, AI-provenance detection, metadata stripping and rights metadata,
derivatives, blurhash, storage back ends (local folder, S3-compatible), the serving
routes and the crawler guard.
"""
