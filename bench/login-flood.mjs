// bench/login-flood.mjs — the login flood of bench/login-flood: POST
// /api/v1/session with wrong passwords for ever new phone numbers, from the
// source addresses 127.0.0.<first>..127.0.0.<last> (all of 127/8 is the
// loopback), `per` requests in flight per address, for `seconds`. Requests
// still unanswered then are dropped. Prints one JSON line: the answers by
// status, the unanswered and failed requests, and the time taken.
//
//   node bench/login-flood.mjs URL SECONDS [FIRST=2] [LAST=60] [PER=2]
import http from 'node:http';

const [url, seconds, first = 2, last = 60, per = 2] = process.argv.slice(2);
if (!url || !seconds) {
  console.error('usage: node bench/login-flood.mjs URL SECONDS [FIRST] [LAST] [PER]');
  process.exit(2);
}
const base = new URL(url);
const answers = {};
let errors = 0, inFlight = 0, n = 0, stopping = false;
const agents = [];

function one(agent) {
  if (stopping) return;
  // a mobile number (prefix 091) not registered: the same hash as a real one
  const phone = `091${String(n++ % 10000000).padStart(7, '0')}`;
  const body = JSON.stringify({ phone, password: `wrong password ${n}` });
  inFlight++;
  const req = http.request({
    host: base.hostname, port: base.port, path: '/api/v1/session', method: 'POST', agent,
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
  }, (res) => {
    res.resume();
    res.on('end', () => {
      inFlight--;
      answers[res.statusCode] = (answers[res.statusCode] || 0) + 1;
      one(agent);
    });
  });
  req.on('error', () => {
    inFlight--;
    if (!stopping) {
      errors++;
      setTimeout(() => one(agent), 100);
    }
  });
  req.end(body);
}

const t0 = process.hrtime.bigint();
for (let a = Number(first); a <= Number(last); a++) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: Number(per),
    localAddress: `127.0.0.${a}` });
  agents.push(agent);
  for (let k = 0; k < Number(per); k++) one(agent);
}
setTimeout(() => {
  stopping = true;
  const unanswered = inFlight;
  for (const agent of agents) agent.destroy();
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(JSON.stringify({ answers, unanswered, errors, seconds: Number(secs.toFixed(2)) }));
  process.exit(0);
}, Number(seconds) * 1000);
