// Readiness probes that speak each server's real protocol, with Node's `net` module only (they run
// before `npm ci`, and a bare TCP connect would call a half-started broker "up"):
//   node probe.mjs kafka 127.0.0.1:9092   Kafka Metadata request (v2): at least one live broker
//   node probe.mjs mongo 127.0.0.1:27017  MongoDB OP_MSG {ping: 1}, then {buildInfo: 1} for the version
//   node probe.mjs postgres 127.0.0.1:15432  PostgreSQL start-up as user postgres: ready for queries
// Prints one line and exits 0 when the server answers correctly; prints the reason and exits 1 otherwise.
import net from 'node:net';

const TIMEOUT_MS = Number(process.env.PROBE_TIMEOUT_MS ?? 3000);

/**
 * Opens a connection; `exchange(request, frameSize, parse)` sends a request (none if empty) and
 * resolves with parse(frame) of the next frame.
 */
function connect(address) {
  const [host, portText] = address.replace(/^[a-z]+:\/\//, '').split('/')[0].split(':');
  const socket = net.connect({ host, port: Number(portText) });
  socket.setNoDelay(true);
  let buffered = Buffer.alloc(0);
  let pending = null;
  const fail = (err) => {
    if (pending) pending.reject(err);
    pending = null;
  };
  const timer = setTimeout(() => {
    fail(new Error(`no answer within ${TIMEOUT_MS} ms`));
    socket.destroy();
  }, TIMEOUT_MS);
  socket.on('error', (err) => fail(err));
  socket.on('close', () => fail(new Error('connection closed by the server')));
  // Answers one pending request from the bytes received so far (a chunk may hold several messages).
  const drain = () => {
    if (!pending || buffered.length < 4) return;
    const size = pending.frameSize(buffered);
    if (buffered.length < size) return;
    const frame = buffered.subarray(0, size);
    buffered = buffered.subarray(size);
    const { resolve, reject, parse } = pending;
    pending = null;
    try {
      resolve(parse(frame));
    } catch (err) {
      reject(err);
    }
  };
  socket.on('data', (chunk) => {
    buffered = Buffer.concat([buffered, chunk]);
    drain();
  });
  const ready = new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return {
    async exchange(request, frameSize, parse) {
      await ready;
      return new Promise((resolve, reject) => {
        pending = { resolve, reject, parse, frameSize };
        if (request.length > 0) socket.write(request);
        drain();
      });
    },
    close() {
      clearTimeout(timer);
      socket.destroy();
    },
  };
}

// ------------------------------------------------------------------------------------------- Kafka

function kafkaString(text) {
  const bytes = Buffer.from(text, 'utf8');
  const length = Buffer.alloc(2);
  length.writeInt16BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

async function probeKafka(address) {
  const correlationId = 7;
  // Request header v1 (api_key 3 = Metadata, version 2, correlation id, client id), then an empty
  // topic list: "tell me about the brokers, no topics".
  const header = Buffer.alloc(8);
  header.writeInt16BE(3, 0);
  header.writeInt16BE(2, 2);
  header.writeInt32BE(correlationId, 4);
  const body = Buffer.concat([header, kafkaString('notify-infra-probe'), Buffer.from([0, 0, 0, 0])]);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);

  const conn = connect(address);
  try {
    return await conn.exchange(
      Buffer.concat([size, body]),
      (buf) => 4 + buf.readInt32BE(0),
      (frame) => {
        let at = 4;
        const int16 = () => ((at += 2), frame.readInt16BE(at - 2));
        const int32 = () => ((at += 4), frame.readInt32BE(at - 4));
        const string = () => {
          const length = int16();
          if (length < 0) return null;
          at += length;
          return frame.toString('utf8', at - length, at);
        };
        if (int32() !== correlationId) throw new Error('answer has the wrong correlation id');
        const brokers = [];
        for (let n = int32(); n > 0; n--) brokers.push({ id: int32(), host: string(), port: int32(), rack: string() });
        const clusterId = string();
        const controllerId = int32();
        if (brokers.length === 0) throw new Error('metadata lists no live broker yet');
        if (controllerId < 0) throw new Error('metadata names no controller yet');
        const where = brokers.map((b) => `${b.host}:${b.port}`).join(',');
        return `kafka ${address}: cluster ${clusterId}, broker(s) ${where}`;
      },
    );
  } finally {
    conn.close();
  }
}

// ------------------------------------------------------------------------------------------- MongoDB

/** BSON for a flat document of int32 and string fields, enough for commands such as {ping: 1, $db: "admin"}. */
function bson(fields) {
  const parts = [];
  for (const [key, value] of Object.entries(fields)) {
    const name = Buffer.from(`${key}\0`, 'utf8');
    if (typeof value === 'number') {
      const number = Buffer.alloc(4);
      number.writeInt32LE(value);
      parts.push(Buffer.from([0x10]), name, number);
    } else {
      const text = Buffer.from(`${value}\0`, 'utf8');
      const length = Buffer.alloc(4);
      length.writeInt32LE(text.length);
      parts.push(Buffer.from([0x02]), name, length, text);
    }
  }
  const content = Buffer.concat([...parts, Buffer.from([0])]);
  const size = Buffer.alloc(4);
  size.writeInt32LE(content.length + 4);
  return Buffer.concat([size, content]);
}

/** Reads the top-level scalar fields of a BSON document (nested documents and arrays are skipped). */
function readBson(buf) {
  const out = {};
  const end = buf.readInt32LE(0) - 1;
  let at = 4;
  while (at < end) {
    const type = buf[at++];
    const nameEnd = buf.indexOf(0, at);
    const name = buf.toString('utf8', at, nameEnd);
    at = nameEnd + 1;
    switch (type) {
      case 0x01: out[name] = buf.readDoubleLE(at); at += 8; break;
      case 0x02: { const n = buf.readInt32LE(at); out[name] = buf.toString('utf8', at + 4, at + 3 + n); at += 4 + n; break; }
      case 0x03: case 0x04: at += buf.readInt32LE(at); break;
      case 0x05: at += 5 + buf.readInt32LE(at); break;
      case 0x07: at += 12; break;
      case 0x08: out[name] = buf[at] === 1; at += 1; break;
      case 0x09: case 0x11: case 0x12: at += 8; break;
      case 0x0a: out[name] = null; break;
      case 0x10: out[name] = buf.readInt32LE(at); at += 4; break;
      case 0x13: at += 16; break;
      default: return out; // a type this probe does not need: stop reading
    }
  }
  return out;
}

async function probeMongo(address) {
  const conn = connect(address);
  let requestId = 0;
  const command = (fields) => {
    const doc = bson({ ...fields, $db: 'admin' });
    const header = Buffer.alloc(21);
    header.writeInt32LE(21 + doc.length, 0); // messageLength
    header.writeInt32LE(++requestId, 4); // requestID
    header.writeInt32LE(0, 8); // responseTo
    header.writeInt32LE(2013, 12); // opCode: OP_MSG
    header.writeUInt32LE(0, 16); // flagBits
    header[20] = 0; // section kind 0: the command document
    const id = requestId;
    return conn.exchange(
      Buffer.concat([header, doc]),
      (buf) => buf.readInt32LE(0),
      (frame) => {
        if (frame.readInt32LE(8) !== id) throw new Error('answer is not for this request');
        if (frame.readInt32LE(12) !== 2013) throw new Error(`unexpected reply opcode ${frame.readInt32LE(12)}`);
        if (frame[20] !== 0) throw new Error('reply has no body section');
        return readBson(frame.subarray(21));
      },
    );
  };
  try {
    const pong = await command({ ping: 1 });
    if (pong.ok !== 1) throw new Error(`ping answered ${JSON.stringify(pong)}`);
    const info = await command({ buildInfo: 1 });
    const flavour = !info.ferretdbVersion ? '' : info.ferretdbVersion === 'unknown' ? 'FerretDB, ' : `FerretDB ${info.ferretdbVersion}, `;
    return `mongo ${address}: ping ok (${flavour}MongoDB ${info.version ?? '?'} wire protocol)`;
  } finally {
    conn.close();
  }
}

// ------------------------------------------------------------------------------------------- PostgreSQL

/** Reads the NUL-terminated fields of an ErrorResponse body: {S: severity, C: code, M: message, ...}. */
function readPostgresError(body) {
  const fields = {};
  for (let at = 0; at < body.length && body[at] !== 0; ) {
    const end = body.indexOf(0, at + 1);
    fields[String.fromCharCode(body[at])] = body.toString('utf8', at + 1, end);
    at = end + 1;
  }
  return fields;
}

// A start-up message (protocol 3.0) as the `postgres` role, which local clusters trust on loopback.
// Ready means the server authenticates and reports ReadyForQuery; one still starting up or
// recovering answers with an error (57P03) instead.
async function probePostgres(address) {
  const params = Buffer.from('user\0postgres\0database\0postgres\0application_name\0notify-infra-probe\0\0', 'utf8');
  const startup = Buffer.alloc(8);
  startup.writeInt32BE(8 + params.length, 0);
  startup.writeInt32BE(196608, 4); // protocol version 3.0
  const conn = connect(address);
  // Server messages: a type byte, then an int32 length that counts itself but not the type byte.
  const frameSize = (buf) => (buf.length < 5 ? Infinity : 1 + buf.readInt32BE(1));
  const messages = [];
  try {
    let request = Buffer.concat([startup, params]);
    for (;;) {
      const frame = await conn.exchange(request, frameSize, (f) => f);
      request = Buffer.alloc(0);
      const type = String.fromCharCode(frame[0]);
      const body = frame.subarray(5);
      if (type === 'E') {
        const error = readPostgresError(body);
        throw new Error(`${error.S ?? 'ERROR'} ${error.C ?? ''}: ${error.M ?? 'no message'}`);
      }
      if (type === 'R' && body.readInt32BE(0) !== 0) throw new Error('answers as PostgreSQL but asks for a password (not a cluster of ours)');
      messages.push([type, body]);
      if (type === 'Z') break;
    }
  } finally {
    conn.close();
  }
  const version = messages
    .filter(([type]) => type === 'S')
    .map(([, body]) => body.toString('utf8').split('\0'))
    .find(([name]) => name === 'server_version')?.[1];
  return `postgres ${address}: ready for queries (PostgreSQL ${version ?? '?'})`;
}

const [kind, address] = process.argv.slice(2);
const probes = { kafka: probeKafka, mongo: probeMongo, postgres: probePostgres };
try {
  if (!probes[kind] || !address) throw new Error('usage: node probe.mjs kafka|mongo|postgres HOST:PORT');
  console.log(await probes[kind](address));
  process.exit(0);
} catch (err) {
  console.error(`probe ${kind} ${address}: ${err?.message ?? err}`);
  process.exit(1);
}
