"""WSGI entry point: `flask --app app run` or any WSGI server (`waitress-serve app:app`)."""

from citydip_ld.web import create_app

app = create_app()
