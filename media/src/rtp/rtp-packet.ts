/** The parts of an RTP packet (RFC 3550) the recorder and the clip player need. */
export interface RtpPacket {
  payloadType: number;
  marker: boolean;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  payload: Buffer;
}

/** Parses an RTP packet, skipping CSRCs, the header extension and padding; null when it is not one. */
export function parseRtp(buffer: Buffer): RtpPacket | null {
  if (buffer.length < 12 || buffer[0]! >> 6 !== 2) return null;
  const first = buffer[0]!;
  const csrcCount = first & 0x0f;
  let offset = 12 + csrcCount * 4;
  if (first & 0x10) {
    if (buffer.length < offset + 4) return null;
    offset += 4 + buffer.readUInt16BE(offset + 2) * 4;
  }
  let end = buffer.length;
  if (first & 0x20) end -= buffer[buffer.length - 1]!;
  if (offset > end) return null;
  return {
    payloadType: buffer[1]! & 0x7f,
    marker: (buffer[1]! & 0x80) !== 0,
    sequenceNumber: buffer.readUInt16BE(2),
    timestamp: buffer.readUInt32BE(4),
    ssrc: buffer.readUInt32BE(8),
    payload: buffer.subarray(offset, end),
  };
}

/** A plain RTP packet (no extensions), for the clip player and the benchmark's senders. */
export function buildRtp(packet: Omit<RtpPacket, 'marker'> & { marker?: boolean }): Buffer {
  const out = Buffer.allocUnsafe(12 + packet.payload.length);
  out[0] = 0x80;
  out[1] = (packet.marker ? 0x80 : 0) | (packet.payloadType & 0x7f);
  out.writeUInt16BE(packet.sequenceNumber & 0xffff, 2);
  out.writeUInt32BE(packet.timestamp >>> 0, 4);
  out.writeUInt32BE(packet.ssrc >>> 0, 8);
  packet.payload.copy(out, 12);
  return out;
}

/** The signed difference a - b of two 32-bit RTP timestamps (wrap-around safe). */
export function timestampDelta(a: number, b: number): number {
  return ((a - b) << 0) | 0;
}
