import type { types } from 'mediasoup';

/** Opus (RFC 6716) facts the recorder needs: how long a packet plays, and a packet of silence. */

/** Opus always counts time at 48 kHz, in RTP and in Ogg granule positions alike. */
export const OPUS_RATE = 48_000;

/** Samples (48 kHz) of one frame, by the TOC byte's configuration number (RFC 6716 §3.1). */
function frameSamples(config: number): number {
  if (config < 12) return [480, 960, 1920, 2880][config & 3]!; // SILK: 10, 20, 40, 60 ms
  if (config < 16) return [480, 960][config & 1]!; // hybrid: 10, 20 ms
  return [120, 240, 480, 960][config & 3]!; // CELT: 2.5, 5, 10, 20 ms
}

/** How many 48 kHz samples an Opus packet plays; 0 for an empty or malformed packet. */
export function opusPacketSamples(packet: Buffer): number {
  if (packet.length === 0) return 0;
  const toc = packet[0]!;
  const perFrame = frameSamples(toc >> 3);
  switch (toc & 3) {
    case 0:
      return perFrame;
    case 1:
    case 2:
      return 2 * perFrame;
    default:
      return packet.length < 2 ? 0 : (packet[1]! & 0x3f) * perFrame;
  }
}

/**
 * 20 ms of silence: a CELT-only fullband 20 ms mono frame (TOC 0xF8) whose range-coded body
 * decodes to zeros. Fills paused (PCI) and missing spans so a recording keeps its timing.
 */
export const OPUS_SILENCE_20MS = Buffer.from([0xf8, 0xff, 0xfe]);
export const SILENCE_SAMPLES = 960;

/** The payload type our routers prefer for Opus (MEDIA_CODECS) and what our own RTP senders use. */
export const OPUS_PAYLOAD_TYPE = 111;

/** What a server-side Opus sender (the clip player, the benchmark's senders) tells a transport it sends. */
export function opusRtpParameters(ssrc: number): types.RtpParameters {
  return {
    codecs: [{ mimeType: 'audio/opus', payloadType: OPUS_PAYLOAD_TYPE, clockRate: OPUS_RATE, channels: 2, parameters: { useinbandfec: 1 }, rtcpFeedback: [] }],
    encodings: [{ ssrc }],
  };
}
