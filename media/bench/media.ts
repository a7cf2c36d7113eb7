// bench:media — N concurrent recorded calls through the SFU on this machine.
//
// Each call is what a real one is inside the worker: a router, the customer's and the agent's audio
// coming in (one Opus producer each), each forwarded to the other side (one consumer each), and both
// recorded (the CallRecorder: a DirectTransport consumer per speaker into an Ogg Opus file per
// channel, in this process). The senders are plain RTP from a separate process (Chromium is too heavy
// for many peers): one UDP socket per participant sends 20 ms Opus frames at 50 packets/s and
// receives the other side. What is not here: ICE/DTLS/SRTP (plain transports carry no encryption),
// so a real WebRTC call costs the worker somewhat more.
//
// Figures: CPU of the server side (the mediasoup worker + this process, which writes the
// recordings) per call, as % of one core, and so calls per core; packet loss forwarded and recorded.
// Last line: one JSON object.
//
//   npm run bench:media -- --calls 60 --seconds 20
import { fork } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { types } from 'mediasoup';
import { CallRecorder, MediaServer, OPUS_PAYLOAD_TYPE, opusRtpParameters, readOpusPackets, runFfmpeg, type RecordingResult } from '../src/index.ts';
import { buildRtp, parseRtp } from '../src/rtp/rtp-packet.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const PACKETS_PER_SECOND = 50;

interface Peer {
  port: number;
  ssrc: number;
}
interface DriverReport {
  sent: number[];
  received: number[];
  /** Packets missing by sequence number, per receiving peer. */
  gaps: number[];
}

// ─── the load generator (a child process) ──────────────────────────────────────────────────────

async function driver(): Promise<void> {
  const { peers, seconds, opusFile } = JSON.parse(process.argv[3]!) as { peers: Peer[]; seconds: number; opusFile: string };
  const frames = readOpusPackets(readFileSync(opusFile));
  const sockets = await Promise.all(
    peers.map(
      () =>
        new Promise<dgram.Socket>((resolve) => {
          const s = dgram.createSocket('udp4');
          s.bind(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const sent = peers.map(() => 0);
  const received = peers.map(() => 0);
  const gaps = peers.map(() => 0);
  const lastSeq = peers.map(() => -1);
  sockets.forEach((socket, i) => {
    socket.on('message', (message) => {
      const packet = parseRtp(message);
      if (!packet || packet.payloadType !== OPUS_PAYLOAD_TYPE) return; // RTCP and the like
      received[i]! += 1;
      const last = lastSeq[i]!;
      if (last >= 0) {
        const step = (packet.sequenceNumber - last) & 0xffff;
        if (step > 1 && step < 0x8000) gaps[i]! += step - 1;
      }
      lastSeq[i] = packet.sequenceNumber;
    });
  });
  // First an empty RTCP receiver report from each socket: the plain transports (comedia) learn where
  // each participant is before any audio, so nothing forwarded is dropped for want of an address.
  sockets.forEach((socket, i) => {
    const rr = Buffer.alloc(8);
    rr.writeUInt8(0x80, 0);
    rr.writeUInt8(201, 1);
    rr.writeUInt16BE(1, 2);
    rr.writeUInt32BE(peers[i]!.ssrc, 4);
    socket.send(rr, peers[i]!.port, '127.0.0.1');
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  const start = Date.now();
  const total = seconds * PACKETS_PER_SECOND;
  // Spread the peers over the 20 ms tick so the senders do not all fire at once.
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((Date.now() - start) / 1000) * PACKETS_PER_SECOND) + 1);
      for (let i = 0; i < peers.length; i += 1) {
        while (sent[i]! < due) {
          const n = sent[i]!;
          const payload = frames[n % frames.length]!;
          sockets[i]!.send(buildRtp({ payloadType: OPUS_PAYLOAD_TYPE, sequenceNumber: n, timestamp: n * 960, ssrc: peers[i]!.ssrc, payload }), peers[i]!.port, '127.0.0.1');
          sent[i] = n + 1;
        }
      }
      if (sent.every((n) => n >= total)) resolve();
      else setTimeout(tick, 5);
    };
    tick();
  });
  // Let the last packets come back.
  await new Promise((resolve) => setTimeout(resolve, 500));
  for (const socket of sockets) socket.close();
  process.send!({ sent, received, gaps } satisfies DriverReport);
}

// ─── the server side (this process) ────────────────────────────────────────────────────────────

interface Call {
  router: types.Router;
  recorder: CallRecorder;
  peers: Peer[];
}

async function main(): Promise<void> {
  const calls = arg('calls', 60);
  const seconds = arg('seconds', 20);
  const warmup = 3;
  const work = mkdtempSync(path.join(os.tmpdir(), 'cc-bench-media-'));
  const quiet = { info: () => {}, warn: () => {}, error: (o: object, m: string) => console.error(m, o) };
  const server = await MediaServer.start({ workers: 1, listenIp: '127.0.0.1', rtcMinPort: 20000, rtcMaxPort: 29999, log: quiet });
  try {
    const opusFile = path.join(work, 'tone.opus');
    // A voice-like Opus stream (mono, 20 ms frames, 32 kb/s, as browsers send): a tone with some noise.
    await runFfmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=10', '-f', 'lavfi', '-i', 'anoisesrc=a=0.05:d=10', '-filter_complex', 'amix=inputs=2', '-ac', '1', '-c:a', 'libopus', '-b:a', '32k', '-frame_duration', '20', path.join(work, 'tone.opus')]);

    console.log(`setting up ${calls} recorded calls on one mediasoup worker…`);
    const list: Call[] = [];
    for (let c = 0; c < calls; c += 1) {
      const router = await server.createRouter();
      const transports: types.PlainTransport[] = [];
      const producers: types.Producer[] = [];
      const peers: Peer[] = [];
      for (let side = 0; side < 2; side += 1) {
        const transport = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: true, comedia: true });
        const ssrc = 100_000 + c * 2 + side;
        const producer = await transport.produce({
          kind: 'audio',
          rtpParameters: opusRtpParameters(ssrc),
        });
        transports.push(transport);
        producers.push(producer);
        peers.push({ port: transport.tuple.localPort, ssrc });
      }
      // Each side hears the other.
      for (let side = 0; side < 2; side += 1) await transports[side]!.consume({ producerId: producers[1 - side]!.id, rtpCapabilities: router.rtpCapabilities });
      const recorder = await CallRecorder.start(router, { dir: mkdtempSync(path.join(work, 'call-')), now: Date.now });
      await recorder.attach('customer', producers[0]!);
      await recorder.attach('agent', producers[1]!);
      list.push({ router, recorder, peers });
    }
    console.log(`${await server.counts().then((n) => `${n.routers} routers, ${n.transports} transports, ${n.producers} producers, ${n.consumers} consumers`)}; sending ${seconds + warmup} s of audio from ${calls * 2} RTP senders…`);

    const child = fork(fileURLToPath(import.meta.url), ['--driver', JSON.stringify({ peers: list.flatMap((c) => c.peers), seconds: seconds + warmup, opusFile })], {
      execArgv: ['--import', 'tsx'],
    });
    const report = new Promise<DriverReport>((resolve, reject) => {
      child.once('message', (m) => resolve(m as DriverReport));
      child.once('exit', (code) => reject(new Error(`the RTP driver exited with ${code}`)));
    });
    await new Promise((resolve) => setTimeout(resolve, warmup * 1000));
    const cpu = async () => ({ worker: (await server.usage()).reduce((s, u) => s + u.cpuMs, 0), self: process.cpuUsage(), at: performance.now() });
    const before = await cpu();
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const after = await cpu();
    const driven = await report;

    const wallMs = after.at - before.at;
    const workerMs = after.worker - before.worker;
    const selfUs = process.cpuUsage(before.self);
    const selfMs = (selfUs.user + selfUs.system) / 1000;
    const serverPercent = ((workerMs + selfMs) / wallMs) * 100;
    const perCall = serverPercent / calls;

    console.log('stopping the recordings (each gets its stereo mix)…');
    const mixStart = performance.now();
    const results: RecordingResult[] = [];
    for (let i = 0; i < list.length; i += 4) results.push(...(await Promise.all(list.slice(i, i + 4).map((c) => c.recorder.stop()))));
    const mixSeconds = (performance.now() - mixStart) / 1000;
    for (const c of list) c.router.close();
    const left = await server.counts();

    const sent = driven.sent.reduce((a, b) => a + b, 0);
    const received = driven.received.reduce((a, b) => a + b, 0);
    const gaps = driven.gaps.reduce((a, b) => a + b, 0);
    const recorded = results.reduce((s, r) => s + r.packets.customer + r.packets.agent, 0);
    const packetLoss = sent === 0 ? 1 : Math.max(0, 1 - received / sent);
    const recordingLoss = sent === 0 ? 1 : Math.max(0, 1 - recorded / sent);
    const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

    console.log(`server CPU ${round(serverPercent, 1)} % of a core over ${round(wallMs / 1000, 1)} s (worker ${round((workerMs / wallMs) * 100, 1)} %, recorder process ${round((selfMs / wallMs) * 100, 1)} %)`);
    console.log(`${round(perCall, 3)} % of a core per recorded call → ${round(100 / perCall, 0)} calls per core`);
    console.log(`forwarded: ${received} of ${sent} packets (${gaps} missing by sequence); recorded: ${recorded} of ${sent}`);
    console.log(`stereo mixes after the calls: ${round(mixSeconds, 1)} s for ${calls} (${round(mixSeconds / calls, 2)} s each, ${round(seconds + warmup)} s calls)`);
    console.log(`left in the worker: ${JSON.stringify(left)}`);
    console.log(
      JSON.stringify({
        calls,
        seconds,
        cpu_per_call_percent: round(perCall, 3),
        calls_per_core: round(100 / perCall, 1),
        server_cpu_percent: round(serverPercent, 1),
        worker_cpu_percent: round((workerMs / wallMs) * 100, 1),
        recorder_cpu_percent: round((selfMs / wallMs) * 100, 1),
        packets_sent: sent,
        packets_forwarded: received,
        packet_loss: round(packetLoss, 5),
        packets_recorded: recorded,
        recording_loss: round(recordingLoss, 5),
        mix_seconds_per_call: round(mixSeconds / calls, 2),
        transports_left: left.transports,
      }),
    );
  } finally {
    server.close();
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--driver') await driver();
else await main();
