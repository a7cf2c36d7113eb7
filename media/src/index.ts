// WebRTC media for the contact center: the SFU (mediasoup), calls, recording, announcements, transcription.
export { MediaServer, MEDIA_CODECS, type MediaCounts, type MediaLogger, type MediaServerOptions } from './sfu/media-server.ts';
export { VoiceCall, type ConsumerInfo, type PeerSink, type QualitySample, type Role, type Source, type SupervisorMode, type TransportInfo } from './call/voice-call.ts';
export { CallRecorder, mixStereo, SPEAKERS, type RecordingPause, type RecordingResult, type Speaker } from './recording/call-recorder.ts';
export { ChannelRecorder } from './recording/channel-recorder.ts';
export { OggOpusWriter } from './recording/ogg-opus-writer.ts';
export { readOggPackets } from './recording/ogg-opus-reader.ts';
export { loadClips, type ClipName, type Clips } from './announcements/clips.ts';
export { MediaError, mediaErrors } from './errors.ts';
export { ffmpegAvailable, runFfmpeg, FFMPEG } from './ffmpeg.ts';
export { buildRtp, parseRtp, type RtpPacket } from './rtp/rtp-packet.ts';
export { opusPacketSamples, OPUS_SILENCE_20MS } from './rtp/opus.ts';
export { writeTestModel, type TestModelShape } from './transcription/ggml-model.ts';
export type { types as MediasoupTypes } from 'mediasoup';
export { type TranscriptionEngine, type EngineSegment, type EngineResult, type TranscribeOptions } from './transcription/engine.ts';
export { sha256Of, WhisperCppEngine, type WhisperCppOptions } from './transcription/whisper-cpp-engine.ts';
export { decodeToPcm, PCM_RATE } from './transcription/pcm.ts';
export { wordErrorRate } from './transcription/wer.ts';
export { addonPath as whisperAddonPath } from '../whisper-build/build.mjs';
