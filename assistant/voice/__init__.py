"""The voice stage: sound in and out around one turn.

It owns the microphone and WAV sources (`audio`), speech endpointing with Silero VAD (`vad`), transcription with
faster-whisper (`stt`), the wake phrase heard in a transcript (`wake`), speech out with Piper or espeak-ng (`tts`)
and the live loop that ties them to the pipeline (`loop`). Heavy libraries (onnxruntime, faster-whisper, Piper,
sounddevice) are imported when a part is first used, so text-only commands start fast.
"""
