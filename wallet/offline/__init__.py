"""The SDK for offline payments: builders of the offline kinds, the phone's path and its sync."""
