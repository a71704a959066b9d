from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_ensure_local_admin_creates_one_superuser_and_prints_its_login():
    first = run("ensure_local_admin")
    second = run("ensure_local_admin")

    user = get_user_model().objects.get(is_superuser=True)
    password = first.strip().rsplit(" / ", 1)[1]
    assert user.username == "admin"
    assert user.check_password(password)
    assert "http://127.0.0.1:8000/admin/" in first
    assert "changepassword admin" in second
    assert get_user_model().objects.count() == 1


def test_the_models_and_migrations_agree():
    out = io.StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)

    assert "No changes detected" in out.getvalue()
