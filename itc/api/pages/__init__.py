"""The supervisors' dashboard: server-rendered pages (Jinja2, htmx for live refresh).

Pages sign in with a token once, kept in an HttpOnly, SameSite=Strict cookie, and go
through api.operations exactly as the JSON API does.
"""
