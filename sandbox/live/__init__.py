"""Websocket consumers of the sandbox project, served by the Channels package's tests."""
