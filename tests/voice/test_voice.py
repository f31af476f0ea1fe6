"""The spoken result: the words, espeak-ng really speaking them (into a WAV), and a till that
never waits for the speaker."""

from __future__ import annotations

import asyncio
import wave

import numpy as np
import pytest

from drivers.voice import BadVoiceUrl, EspeakVoice, SimVoice, open_voice
from protocol.errors import ErrorCode
from terminal_sdk.spoken import chinese_amount, spoken_result


@pytest.mark.parametrize(
    ("fen", "words"),
    [
        (1250, "十二元五角"),
        (30000, "三百元"),
        (5, "五分"),
        (1005, "十元零五分"),
        (1234567, "一万二千三百四十五元六角七分"),
        (1010000, "一万零一百元"),
        (2000050, "二万元五角"),
    ],
)
def test_amounts_are_said_as_people_say_them_in_chinese(fen, words):
    assert chinese_amount(fen) == words


def test_the_phrases_in_both_languages():
    assert spoken_result(True, 1250, None, "zh") == "支付成功，十二元五角"
    assert spoken_result(True, 1250, None, "en") == "Paid, 12.50 yuan"
    assert spoken_result(False, 1250, ErrorCode.INSUFFICIENT_BALANCE, "en").startswith(
        "Not charged. "
    )
    assert spoken_result(False, 1250, None, "zh").startswith("未扣款。")


def _speech(wav_path) -> tuple[float, float]:
    with wave.open(str(wav_path)) as wav:
        rate, frames = wav.getframerate(), wav.readframes(wav.getnframes())
    samples = np.frombuffer(frames, dtype=np.int16).astype(np.float64)
    return len(samples) / rate, float(np.sqrt(np.mean(samples**2)))


async def test_espeak_ng_speaks_the_chinese_result_into_a_wav(tmp_path):
    voice = open_voice("espeak:?lang=zh")
    assert isinstance(voice, EspeakVoice)
    assert voice.problem == "", "install Debian's espeak-ng (make setup does)"
    wav = tmp_path / "paid.wav"
    await voice.synthesise(spoken_result(True, 1250, None, "zh"), wav)
    seconds, loudness = _speech(wav)
    assert 1.0 < seconds < 6.0  # eight syllables, said at a till's pace
    assert loudness > 500  # speech, not silence (16-bit samples)
    short = tmp_path / "short.wav"
    await voice.synthesise("好", short)
    assert _speech(short)[0] < seconds


async def test_say_returns_at_once_and_a_newer_phrase_replaces_one_waiting():
    voice = EspeakVoice("en", program="sleep")  # a "speaker" that takes its time
    voice.command = lambda text, wav=None: ["sleep", "5"] if text == "first" else ["true"]  # type: ignore[method-assign]
    voice.say("first")
    voice.say("second")
    voice.say("third")
    assert voice._waiting == "third"  # said next; "second" is dropped
    await asyncio.sleep(0)
    await voice.close()


def test_voice_urls():
    sim = open_voice("sim:", lang="zh")
    assert isinstance(sim, SimVoice) and sim.lang == "zh"
    assert open_voice("espeak:?lang=en&speed=200").lang == "en"
    for bad in ("espeak:?volume=3", "speaker:", "espeak:?lang=fr", "espeak:?speed=9"):
        with pytest.raises(BadVoiceUrl) as caught:
            open_voice(bad)
        assert caught.value.message("zh") == "语音播报的设备地址无效。"
    assert EspeakVoice("en", program="no-such-espeak").problem.startswith("no-such-espeak")
