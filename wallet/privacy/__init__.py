"""The SDK for private and anonymous payments: builders, the phone's tokens, the REST calls."""
