"""The SDK for programmable money: builders of every contract kind and the REST calls."""
