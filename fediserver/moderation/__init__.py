"""Moderation: what the instance's admins decide about servers, accounts and reports."""
