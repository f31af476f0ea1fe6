"""The spoken result (a small shop's speaker): espeak-ng says what the till shows, never blocking.

    espeak:?lang=zh&speed=170    espeak-ng (Debian's espeak-ng package), Chinese or English
    sim:                         remembers what it was asked to say (tests, demos)

:meth:`Voice.say` returns at once: the speech runs in the background, and a
newer phrase replaces one still waiting (a till never queues up stale
results). A voice that cannot speak (espeak-ng missing) says why in
``problem`` and stays silent; the sale goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
from abc import ABC, abstractmethod
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

__all__ = ["ACCEPTED_URLS", "BadVoiceUrl", "EspeakVoice", "SimVoice", "Voice", "open_voice"]

log = logging.getLogger(__name__)

ACCEPTED_URLS = (
    "espeak:?lang=zh&speed=170   espeak-ng (options: lang=zh|en, speed words a minute)\n"
    "sim:                        a voice that only remembers what it says"
)


class BadVoiceUrl(ValueError):
    en = "The voice's device URL is not valid."
    zh = "语音播报的设备地址无效。"

    def message(self, lang: str = "en") -> str:
        return self.zh if lang.lower().startswith("zh") else self.en


class Voice(ABC):
    """Says short phrases; ``lang`` is the language it speaks ("zh" or "en")."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.problem = ""  # why it cannot speak, in plain words ("" when it can)

    @abstractmethod
    def say(self, text: str) -> None:
        """Start saying ``text`` and return at once."""

    async def close(self) -> None:  # noqa: B027 - a voice with nothing to stop
        pass


class SimVoice(Voice):
    def __init__(self, lang: str) -> None:
        super().__init__(lang)
        self.said: list[str] = []

    def say(self, text: str) -> None:
        self.said.append(text)


class EspeakVoice(Voice):
    """espeak-ng in a subprocess; one phrase at a time, the newest waiting."""

    def __init__(self, lang: str, speed: int = 170, program: str = "espeak-ng") -> None:
        super().__init__(lang)
        self.speed = speed
        self.program = shutil.which(program) or ""
        if not self.program:
            self.problem = f"{program} is not installed (Debian package espeak-ng)"
        self._waiting: str | None = None
        self._speaker: asyncio.Task[None] | None = None

    def command(self, text: str, wav: Path | None = None) -> list[str]:
        voice = "cmn" if self.lang == "zh" else "en"
        out = ["-w", str(wav)] if wav is not None else []
        return [self.program, "-v", voice, "-s", str(self.speed), *out, "--", text]

    def say(self, text: str) -> None:
        if not self.program:
            log.info("voice off (%s): %s", self.problem, text)
            return
        self._waiting = text
        if self._speaker is None or self._speaker.done():
            self._speaker = asyncio.get_running_loop().create_task(self._speak())

    async def _speak(self) -> None:
        while self._waiting is not None:
            text, self._waiting = self._waiting, None
            await self._run(self.command(text))

    async def _run(self, command: list[str]) -> None:
        try:
            process = await asyncio.create_subprocess_exec(
                *command, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
            )
            _, err = await process.communicate()
        except OSError as exc:
            self.problem = f"{self.program}: {exc.strerror}"
            return
        if process.returncode:
            self.problem = err.decode(errors="replace").strip()[:200] or "espeak-ng failed"
            log.warning("voice: %s", self.problem)

    async def synthesise(self, text: str, wav: Path) -> None:
        """Say ``text`` into the WAV file ``wav`` instead of the speaker."""
        if not self.program:
            raise FileNotFoundError(self.problem)
        await self._run(self.command(text, wav))

    async def close(self) -> None:
        self._waiting = None
        if self._speaker is not None:
            self._speaker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._speaker


def open_voice(url: str, *, lang: str = "en") -> Voice:
    """The voice for ``url`` (``lang``: the till's language, unless the URL names one)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    try:
        options = dict(parse_qsl(parts.query, strict_parsing=bool(parts.query)))
    except ValueError:
        raise BadVoiceUrl(f"{url!r}: options are name=value&name=value\n{ACCEPTED_URLS}") from None
    unknown = set(options) - {"lang", "speed"}
    if scheme not in ("espeak", "sim") or unknown or parts.netloc or parts.path:
        why = f"unknown option {', '.join(sorted(unknown))}" if unknown else "not a voice URL"
        raise BadVoiceUrl(f"{url!r}: {why}. Accepted voice URLs:\n{ACCEPTED_URLS}")
    spoken = options.get("lang", lang)
    if spoken not in ("zh", "en"):
        raise BadVoiceUrl(f"{url!r}: lang={spoken} (zh or en)")
    speed = options.get("speed", "170")
    if not speed.isdigit() or not 80 <= int(speed) <= 450:
        raise BadVoiceUrl(f"{url!r}: speed={speed} (words a minute, 80 to 450)")
    if scheme == "sim":
        return SimVoice(spoken)
    return EspeakVoice(spoken, int(speed))
