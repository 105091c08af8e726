"""Renderings of plans and apply results: text, JSON, markdown. Pure."""
