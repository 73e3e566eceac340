"""The ActivityPub protocol as a library, with no database and no web server.

HTTP Signatures (draft-cavage and RFC 9421), Digest and Content-Digest, the WebFinger
client, JSON-LD helpers and the vocabulary (parse what others send, build what we
send), the safe outbound HTTP client, and key fetching behind a cache interface.
It imports only the standard library, cryptography and httpx.
"""
