"""Django's makemessages without fuzzy matching: a guessed translation of a new message would be
shown to users as if it were right (e.g. “Edit household” guessed as “农户”)."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]
