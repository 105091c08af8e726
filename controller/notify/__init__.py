"""Notifications: the outcome of a run, posted to webhooks, Slack, Teams (issue 14).

After the report: ``payload.py`` builds one JSON document (``formatVersion`` 1) from an
apply result or plan, the ``--summary`` file and the journal; ``text.py`` turns it into
a title and a short markdown message for chat services; ``send.py`` delivers it (a plain
https webhook gets the JSON document, ``slack://``, ``msteams://``, ``json://`` and other
apprise URLs get the message through apprise); ``run.py`` is the body of ``subctl notify``
(controller/commands/notify.py) and of the ``apply --notify`` hook. Nothing here writes
to the marketplace.
"""
