"""The REST API's wire contract, shared by the server and the SDK (no server code).

- :mod:`wire.core`: the bodies the API answers (results, network, supply, pages, problems);
- :mod:`wire.httpsig`: the RFC 9421 request-signing profile, signing and verifying.
"""
