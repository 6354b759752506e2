"""The REST API: Flask app factory, blueprints, schemas, auth, error mapping."""
