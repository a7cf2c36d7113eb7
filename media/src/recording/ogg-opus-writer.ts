import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { OPUS_RATE } from '../rtp/opus.ts';

/** The Ogg CRC-32 (polynomial 0x04c11db7, not reflected, initial 0), RFC 3533. */
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i += 1) {
    let r = i << 24;
    for (let j = 0; j < 8; j += 1) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
})();

export function oggCrc(data: Buffer): number {
  let crc = 0;
  for (let i = 0; i < data.length; i += 1) crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ data[i]!) & 0xff]!) >>> 0;
  return crc >>> 0;
}

const HEADER_BOS = 0x02;
const HEADER_EOS = 0x04;

/** One Ogg page with the given packets (each wholly inside it). */
function page(packets: Buffer[], granule: bigint, serial: number, sequence: number, flags: number): Buffer {
  const lacing: number[] = [];
  for (const p of packets) {
    for (let left = p.length; ; left -= 255) {
      if (left >= 255) lacing.push(255);
      else {
        lacing.push(left);
        break;
      }
    }
  }
  const header = Buffer.alloc(27 + lacing.length);
  header.write('OggS', 0, 'latin1');
  header[4] = 0;
  header[5] = flags;
  header.writeBigInt64LE(granule, 6);
  header.writeUInt32LE(serial >>> 0, 14);
  header.writeUInt32LE(sequence >>> 0, 18);
  header.writeUInt32LE(0, 22);
  header[26] = lacing.length;
  for (let i = 0; i < lacing.length; i += 1) header[27 + i] = lacing[i]!;
  const whole = Buffer.concat([header, ...packets]);
  whole.writeUInt32LE(oggCrc(whole), 22);
  return whole;
}

function opusHead(channels: number): Buffer {
  const head = Buffer.alloc(19);
  head.write('OpusHead', 0, 'latin1');
  head[8] = 1; // version
  head[9] = channels;
  head.writeUInt16LE(0, 10); // pre-skip: the packets come from the sender as they are
  head.writeUInt32LE(OPUS_RATE, 12);
  head.writeInt16LE(0, 16); // output gain
  head[18] = 0; // channel mapping family 0 (mono or stereo)
  return head;
}

function opusTags(comments: Record<string, string>): Buffer {
  const vendor = Buffer.from('contact-center recorder', 'utf8');
  const entries = Object.entries(comments).map(([k, v]) => Buffer.from(`${k}=${v}`, 'utf8'));
  const parts: Buffer[] = [Buffer.from('OpusTags', 'latin1')];
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };
  parts.push(u32(vendor.length), vendor, u32(entries.length));
  for (const e of entries) parts.push(u32(e.length), e);
  return Buffer.concat(parts);
}

/** Packets per audio page: about a second of 20 ms packets, so a crash loses at most that. */
const PACKETS_PER_PAGE = 50;

/**
 * Writes Opus packets into an Ogg Opus file (RFC 7845) as they come, without transcoding. The
 * caller gives each packet with its length in samples; the granule position is their running sum.
 */
export class OggOpusWriter {
  private readonly fd: number;
  private readonly serial = (Math.random() * 0xffffffff) >>> 0;
  private sequence = 0;
  private granule = 0n;
  private pending: Buffer[] = [];
  private pendingGranule = 0n;
  private closed = false;
  /** Bytes written so far (the file's size). */
  bytes = 0;

  constructor(
    readonly path: string,
    options: { channels?: number; comments?: Record<string, string> } = {},
  ) {
    this.fd = openSync(path, 'w', 0o600);
    this.write(page([opusHead(options.channels ?? 1)], 0n, this.serial, this.sequence++, HEADER_BOS));
    this.write(page([opusTags(options.comments ?? {})], 0n, this.serial, this.sequence++, 0));
  }

  /** Samples (48 kHz) written so far: where the next packet starts. */
  get position(): number {
    return Number(this.pendingGranule);
  }

  append(packet: Buffer, samples: number): void {
    if (this.closed) throw new Error('the recording file is closed');
    // A packet over 255 lacing values would need a continued page; Opus packets are far smaller.
    if (packet.length > 60_000) return;
    this.pending.push(Buffer.from(packet));
    this.pendingGranule += BigInt(samples);
    if (this.pending.length >= PACKETS_PER_PAGE) this.flush(0);
  }

  private flush(flags: number): void {
    if (this.pending.length === 0 && !(flags & HEADER_EOS)) return;
    this.granule = this.pendingGranule;
    this.write(page(this.pending, this.granule, this.serial, this.sequence++, flags));
    this.pending = [];
  }

  private write(data: Buffer): void {
    writeSync(this.fd, data);
    this.bytes += data.length;
  }

  /** Ends the stream (EOS page), syncs the file to disk and closes it. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.flush(HEADER_EOS);
    this.closed = true;
    fsyncSync(this.fd);
    closeSync(this.fd);
  }
}
