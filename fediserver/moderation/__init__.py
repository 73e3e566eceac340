"""Moderation: what the instance's admins decide about servers, accounts and reports.

Other servers, which ones federate with this one:

- ``domain_blocks``: the one door every path asks about a host (``DomainPolicy``, held
  in memory and reloaded on change) and the only writers of domain blocks and allows.
- ``domain_effects``: what a block does to what is stored (suspended accounts, ended
  follows, removed posts and media).
- ``blocklists``: blocklist files in and out (Mastodon CSV, GoToSocial JSON, plain
  text), the ``[moderation]`` lists of the config file, and imports with a dry run.
- ``domain_api``: the admin API for domain blocks and allows, and the public list.
- ``domain_pages``: the admin page for domain blocks (``/admin/domain_blocks``).

Accounts and reports: ``reports`` (reports made here or received as Flags), ``account_actions``
(sensitive, silence, suspend and their undoing), ``audit`` (the log of admin actions),
``report_api``, ``account_api`` and ``admin_json`` (the admin API and its entities).
"""
