"""The supervisors' dashboard and HTTP API (FastAPI): `create_app` in api.app."""
