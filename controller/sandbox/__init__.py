"""The sandbox marketplace: a local ASGI implementation of the API subset subctl uses."""
