"""Passwords as argon2id hashes (argon2-cffi), hashed and checked off the event loop.

argon2 is deliberately slow and memory-hungry (tens of milliseconds, 64 MiB by
the library's RFC 9106 defaults), so every call runs in a worker thread, and at
most ``CONCURRENT_HASHES`` run at once: a flood of sign-in attempts queues here
instead of exhausting memory. A name with no account (or no password) is still
checked against a fixed hash, so the answer takes as long as a wrong password
and does not tell which names exist.
"""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

CONCURRENT_HASHES = 2
MIN_LENGTH = 10
MAX_LENGTH = 1024  # argon2 takes any length; a megabyte of "password" is a denial of service

_HASHER = PasswordHasher()  # argon2id, RFC 9106 low-memory profile
_dummy_hash: str | None = None


def check_strength(password: str) -> str:
    """The password when it is acceptable; ValueError saying why not (never quoting it)."""
    if len(password) < MIN_LENGTH:
        raise ValueError(f"a password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise ValueError(f"a password has at most {MAX_LENGTH} characters")
    if password.strip() != password:
        raise ValueError("a password must not begin or end with white space")
    return password


class Passwords:
    """Hashing and checking in worker threads, at most ``CONCURRENT_HASHES`` at a time."""

    def __init__(self) -> None:
        self._slots = asyncio.Semaphore(CONCURRENT_HASHES)

    async def hash(self, password: str) -> str:
        async with self._slots:
            return await asyncio.to_thread(_HASHER.hash, password)

    async def verify(self, stored: str | None, password: str) -> bool:
        """True when ``password`` matches ``stored``; with no stored hash, as slow as a mismatch."""
        global _dummy_hash  # noqa: PLW0603  one fixed hash per process, made on first use
        if len(password) > MAX_LENGTH:
            return False
        async with self._slots:
            if stored is None:
                if _dummy_hash is None:
                    _dummy_hash = await asyncio.to_thread(_HASHER.hash, "no account has this password")
                await asyncio.to_thread(_verify, _dummy_hash, password)
                return False
            return await asyncio.to_thread(_verify, stored, password)


def _verify(stored: str, password: str) -> bool:
    try:
        return _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """True when ``stored`` was made with weaker parameters than the current ones."""
    try:
        return _HASHER.check_needs_rehash(stored)
    except InvalidHashError:
        return True
