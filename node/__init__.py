"""The running node: configuration, ordering backends, WSGI entry point."""
