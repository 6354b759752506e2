"""The SDK for secured digital assets: builders of every asset kind, DvP offers, the REST calls."""
