"""Create a local superuser for a first run, once, and print how to log in."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Creates the superuser 'admin' with a random password if no superuser exists, and prints the login."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--username", default="admin")
        parser.add_argument("--url", default="http://127.0.0.1:8000/admin/")

    def handle(self, *args: Any, username: str, url: str, **options: Any) -> None:
        users = get_user_model()
        existing = list(users.objects.filter(is_superuser=True).values_list("username", flat=True))
        if existing:
            self.stdout.write(
                f"Admin login at {url} with your superuser ({', '.join(existing)}). "
                f"Forgot the password? .venv/bin/python manage.py changepassword {existing[0]}"
            )
            return
        password = secrets.token_urlsafe(12)
        users.objects.create_superuser(username=username, email="", password=password)
        self.stdout.write(self.style.SUCCESS(f"Created a local admin. Log in at {url} as {username} / {password}"))
