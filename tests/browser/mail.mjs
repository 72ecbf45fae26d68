// Mail as the browser test reads it: the SMTP server of the test suite
// (tests/support/smtp_server.py) announcing each message it accepted, and a MIME reader for those
// messages (multipart, base64 or quoted-printable, charsets, RFC 2047 subjects) that finds the
// links a person would follow.
import fs from 'node:fs';

import { check, TestFailure } from './check.mjs';
import { START_TIMEOUT_MS, startChild, waitForLine } from './processes.mjs';

const PYTHON = '/usr/bin/python3';
const MAIL_TIMEOUT_MS = 20_000;  // a message from the courier (it polls every second)

function decodeBytes(bytes, charset) {
  return new TextDecoder((charset || 'utf-8').toLowerCase(), { fatal: true }).decode(bytes);
}

function decodeQuotedPrintable(text) {
  const soft = text.replace(/=\r?\n/g, '');
  const bytes = [];
  for (let i = 0; i < soft.length; i++) {
    if (soft[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(soft[i], 'latin1'));
    }
  }
  return Buffer.from(bytes);
}

// RFC 2047 encoded words, as the subject is sent.
function decodeWords(value) {
  return value.replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=(\s+(?==\?))?/g, (_, charset, enc, text) => {
    const bytes = enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64')
      : decodeQuotedPrintable(text.replace(/_/g, ' '));
    return decodeBytes(bytes, charset);
  });
}

function parseHeaders(block) {
  const headers = new Map();
  for (const line of block.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
}

function parseContentType(value = 'text/plain; charset=us-ascii') {
  const [type, ...params] = value.split(';');
  const out = { type: type.trim().toLowerCase(), params: {} };
  for (const p of params) {
    const eq = p.indexOf('=');
    if (eq > 0) out.params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
  }
  return out;
}

// A MIME entity (raw text, latin1 so that bytes survive) into its text parts by type.
function parseEntity(raw, parts = {}) {
  const split = raw.search(/\r?\n\r?\n/);
  const headers = parseHeaders(split < 0 ? raw : raw.slice(0, split));
  const body = split < 0 ? '' : raw.slice(split).replace(/^\r?\n\r?\n/, '');
  const ct = parseContentType(headers.get('content-type'));
  if (ct.type.startsWith('multipart/')) {
    check(ct.params.boundary, `multipart without a boundary: ${headers.get('content-type')}`);
    const delimiter = `--${ct.params.boundary}`;
    const pieces = body.split(new RegExp(`\\r?\\n?${delimiter.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    // pieces[0] is the preamble; the piece after the closing delimiter starts with "--".
    for (const piece of pieces.slice(1)) {
      if (piece.startsWith('--')) break;
      parseEntity(piece.replace(/^[ \t]*\r?\n/, ''), parts);
    }
    return { headers, parts };
  }
  const encoding = (headers.get('content-transfer-encoding') || '7bit').toLowerCase();
  let bytes;
  if (encoding === 'base64') bytes = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  else if (encoding === 'quoted-printable') bytes = decodeQuotedPrintable(body);
  else bytes = Buffer.from(body, 'latin1');
  parts[ct.type] = decodeBytes(bytes, ct.params.charset);
  return { headers, parts };
}

export function parseMail(file) {
  const { headers, parts } = parseEntity(fs.readFileSync(file).toString('latin1'));
  const text = parts['text/plain'] || '';
  const html = parts['text/html'] || '';
  const unescape = (s) => s.replace(/&amp;/g, '&').replace(/&#x?([0-9a-f]+);/gi, (m, n) => String.fromCodePoint(parseInt(n, m.includes('x') ? 16 : 10)));
  return {
    file,
    subject: decodeWords(headers.get('subject') || ''),
    to: headers.get('to') || '',
    text,
    html,
    links: text.match(/https?:\/\/[^\s<>"')]+/g) || [],
    htmlLinks: [...html.matchAll(/href="([^"]*)"/g)].map((m) => unescape(m[1])),
  };
}

export class SmtpSink {
  constructor(child, dir) {
    this.child = child;
    this.dir = dir;
    this.messages = [];  // {file, from, rcpt, mail, used}
    this.waiters = [];
    child.lines.on('line', (line) => {
      const m = /^MESSAGE (\S+) (\S+) (\S+)$/.exec(line);
      if (!m) return;
      let mail;
      try {
        mail = parseMail(m[1]);
      } catch (error) {  // reported by take() as what arrived
        mail = { subject: `(unreadable: ${error.message})`, to: '', text: '', html: '', links: [], htmlLinks: [] };
      }
      this.messages.push({ file: m[1], from: m[2], rcpt: m[3], mail, used: false });
      for (const w of [...this.waiters]) w();
    });
  }

  static async start(script, dir) {
    const child = startChild(PYTHON, [script, '--port', '0', '--dir', dir], 'smtp server');
    const sink = new SmtpSink(child, dir);
    sink.port = await waitForLine(child, (l) => /^PORT (\d+)$/.exec(l)?.[1], START_TIMEOUT_MS, 'PORT line');
    return sink;
  }

  // The first message not taken yet that `accept` accepts, within MAIL_TIMEOUT_MS.
  take(accept, what) {
    return new Promise((resolve, reject) => {
      const look = () => {
        const found = this.messages.find((m) => !m.used && accept(m));
        if (!found) return;
        found.used = true;
        finish();
        resolve(found.mail);
      };
      const finish = () => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== look);
      };
      const timer = setTimeout(() => {
        finish();
        reject(new TestFailure(`no ${what} within ${MAIL_TIMEOUT_MS} ms; received: ${JSON.stringify(
          this.messages.map((m) => ({ rcpt: m.rcpt, subject: m.mail.subject })))}`));
      }, MAIL_TIMEOUT_MS);
      this.waiters.push(look);
      look();
    });
  }
}

// The link of `kind` ('verify-email', 'reset-password') in a delivered mail: in the plain text
// and the same in the HTML part, under the public URL, its token in the fragment.
export function linkFrom(mail, publicUrl, kind) {
  const prefix = `${publicUrl}/${kind}#token=`;
  const links = mail.links.filter((l) => l.startsWith(`${publicUrl}/${kind}`));
  check(links.length === 1, `mail "${mail.subject}": expected one ${kind} link in the text, found ${JSON.stringify(mail.links)}`);
  const [link] = links;
  check(link.startsWith(prefix), `mail "${mail.subject}": link ${link} does not start with ${prefix}`);
  const token = link.slice(prefix.length);
  check(/^[A-Za-z0-9_-]{43}$/.test(token), `mail "${mail.subject}": token of ${link} is not 43 base64url characters`);
  check(mail.htmlLinks.includes(link), `mail "${mail.subject}": the HTML part lacks the link of the text part`);
  return { link, token };
}
