import { oggCrc } from './ogg-opus-writer.ts';

/** The packets of an Ogg stream's first logical stream (the clips and the tests read Ogg Opus files). */
export function readOggPackets(file: Buffer): { packets: Buffer[]; granules: bigint[] } {
  const packets: Buffer[] = [];
  const granules: bigint[] = [];
  let partial: Buffer[] = [];
  let offset = 0;
  while (offset + 27 <= file.length) {
    if (file.toString('latin1', offset, offset + 4) !== 'OggS') throw new Error(`no Ogg page at byte ${offset}`);
    const segments = file[offset + 26]!;
    const lacing = file.subarray(offset + 27, offset + 27 + segments);
    const bodyStart = offset + 27 + segments;
    const bodyLength = lacing.reduce((sum, v) => sum + v, 0);
    const whole = Buffer.from(file.subarray(offset, bodyStart + bodyLength));
    const crc = whole.readUInt32LE(22);
    whole.writeUInt32LE(0, 22);
    if (oggCrc(whole) !== crc) throw new Error(`bad Ogg CRC at byte ${offset}`);
    granules.push(file.readBigInt64LE(offset + 6));
    let at = bodyStart;
    for (const value of lacing) {
      partial.push(file.subarray(at, at + value));
      at += value;
      if (value < 255) {
        packets.push(Buffer.concat(partial));
        partial = [];
      }
    }
    offset = bodyStart + bodyLength;
  }
  return { packets, granules };
}

/** The audio packets of an Ogg Opus file: its packets after the OpusHead and OpusTags headers. */
export function readOpusPackets(file: Buffer): Buffer[] {
  return readOggPackets(file).packets.slice(2);
}
