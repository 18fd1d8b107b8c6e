/** The CLI's pure parts in-process: argument parsing, help, tables, colour, progress, time parsing, signature checks. */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ed25519PublicKey, newEd25519Key, signHex, signV1, signV1a } from '../../lib/core/signing.ts';
import { CliError } from '../../lib/cli/errors.ts';
import { colourEnabled, paint, parseTime, Progress, table } from '../../lib/cli/format.ts';
import { COMMANDS, runCli } from '../../lib/cli/main.ts';
import { parseCommandLine, topHelp } from '../../lib/cli/spec.ts';
import { verifyWebhook } from '../../lib/cli/verify.ts';

const usage = (argv: string[]) => {
  try {
    parseCommandLine(argv, COMMANDS);
  } catch (e) {
    return (e as CliError).message;
  }
  return 'no error';
};

function memoryIo(env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) }, env, cwd: '/nonexistent' },
  };
}

describe('argument parsing and help', () => {
  it('finds the command and subcommand around global options, and checks arguments', () => {
    // Act
    const p = parseCommandLine(['--url', 'http://h:1', 'endpoints', '--json', 'create', 'ten_a', 'https://x.example', '--types', 'a.*'], COMMANDS);
    // Assert
    expect([p.name, p.args, p.flags]).toEqual(['endpoints create', ['ten_a', 'https://x.example'], { url: 'http://h:1', json: true, types: 'a.*' }]);
    expect(usage(['endpoints', 'get', 'ten_a'])).toBe('error: missing <endpoint> (usage: billhook endpoints get <tenant> <endpoint>)\n(see: billhook endpoints get --help)');
    expect(usage(['tenants', 'create', 'Acme', 'Corp'])).toMatch(/^error: unexpected argument "Corp"/);
    expect(usage(['tenants', 'list', '--types', 'x'])).toBe('error: unknown option --types for "billhook tenants list"\n(see: billhook tenants list --help)');
    expect(usage(['events', 'list', 'ten_a', '--since'])).toMatch(/^error: Option '--since <value>' argument missing\n\(see: billhook events list --help\)$/);
    expect(usage(['tenant'])).toBe('error: unknown command "tenant" (did you mean tenants?)\n(see: billhook --help)');
    expect(usage(['dlq', 'purge'])).toBe('error: unknown dlq command "purge" (one of: stats, redrive)\n(see: billhook dlq --help)');
  });

  it('lists every command with a one-line description in the top help, and prints each command’s own help', async () => {
    // Arrange
    const help = topHelp(COMMANDS);
    const sub = memoryIo();
    const group = memoryIo();
    const viaHelp = memoryIo();
    // Act
    const codes = [await runCli(['deliveries', 'show', '--help'], sub.io), await runCli(['dlq', '--help'], group.io), await runCli(['help', 'tail'], viaHelp.io)];
    // Assert
    for (const c of COMMANDS) for (const s of c.subcommands ? Object.keys(c.subcommands) : ['']) expect(help).toMatch(new RegExp(`^ {2}${`${c.name} ${s}`.trim()}\\b[^\\n]*? {2,}\\S`, 'm'));
    expect(help).toMatch(/Exit codes: 0 ok .* 4 server error/);
    expect(help).toMatch(/Examples:\n {2}billhook /);
    expect(codes).toEqual([0, 0, 0]);
    expect(sub.out.join('')).toMatch(/^Usage: billhook deliveries show <tenant> <delivery>\n/);
    expect(group.out.join('')).toMatch(/billhook dlq stats .*\n {2}billhook dlq redrive/);
    expect(viaHelp.out.join('')).toMatch(/^Usage: billhook tail <tenant> \[options\][\s\S]*--interval <seconds>/);
  });

  it('never needs a server or a key for verify, and exits 2 with the help hint when a command is missing', async () => {
    // Arrange
    const a = memoryIo();
    const b = memoryIo();
    // Act
    const missingSub = await runCli(['endpoints'], a.io);
    const verifyUsage = await runCli(['verify', '--secret', 'whsec_AAAA'], b.io);
    // Assert
    expect(missingSub).toBe(2);
    expect(a.err.join('')).toMatch(/error: missing the endpoints subcommand \(one of: list, create/);
    expect(verifyUsage).toBe(2);
    expect(b.err.join('')).toMatch(/^error: missing the body/);
  });
});

describe('output', () => {
  it('aligns table columns (right-aligned numbers, no trailing spaces) and cuts long cells', () => {
    // Act
    const t = table(
      [
        { id: 'dlv_1', code: 200, msg: 'ok' },
        { id: 'dlv_22', code: 5, msg: 'x'.repeat(80) + '\nsecond' },
      ],
      [
        { header: 'ID', value: (r) => r.id },
        { header: 'CODE', value: (r) => r.code, align: 'right' },
        { header: 'MSG', value: (r) => r.msg, max: 10 },
      ],
    );
    // Assert
    expect(t).toBe(['ID      CODE  MSG', 'dlv_1    200  ok', 'dlv_22     5  xxxxxxxxx…'].join('\n'));
  });

  it('colours only a terminal without NO_COLOR, and colour does not change the alignment', () => {
    // Arrange
    const rows = [{ s: 'succeeded' }, { s: 'exhausted' }];
    const cols = [{ header: 'STATUS', value: (r: { s: string }) => r.s, status: true }, { header: 'N', value: () => 1 }];
    // Act
    const coloured = table(rows, cols, paint(true));
    // Assert
    expect(colourEnabled({ write: () => {}, isTTY: true }, {})).toBe(true);
    expect(colourEnabled({ write: () => {}, isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colourEnabled({ write: () => {}, isTTY: true }, { TERM: 'dumb' })).toBe(false);
    expect(colourEnabled({ write: () => {} }, {})).toBe(false);
    expect(coloured).toContain('\x1b[32msucceeded\x1b[39m');
    expect(coloured.replace(new RegExp(`${String.fromCharCode(27)}\\[\\d+m`, 'g'), '')).toBe(table(rows, cols));
  });

  it('redraws the progress line in place on a terminal and prints changed lines otherwise', () => {
    // Arrange
    const tty: string[] = [];
    const pipe: string[] = [];
    const a = new Progress({ write: (s: string) => tty.push(s), isTTY: true }, paint(false), 10);
    const b = new Progress({ write: (s: string) => pipe.push(s) }, paint(false), 10);
    // Act
    for (const p of [a, b]) {
      p.update('x', 0, 4);
      p.update('x', 0, 4);
      p.update('x', 2, 4);
      p.done();
    }
    // Assert
    expect(tty).toEqual(['\r\x1b[2Kx [..........] 0/4   0%', '\r\x1b[2Kx [#####.....] 2/4  50%', '\n']);
    expect(pipe).toEqual(['x [..........] 0/4   0%\n', 'x [#####.....] 2/4  50%\n']);
  });

  it('reads --since as an ISO time or a duration back from now', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    expect(parseTime('2h', '--since', '', now)).toBe('2026-01-01T10:00:00.000Z');
    expect(parseTime('90s', '--since', '', now)).toBe('2026-01-01T11:58:30.000Z');
    expect(parseTime('2d', '--since', '', now)).toBe('2025-12-30T12:00:00.000Z');
    expect(parseTime('2026-01-01T08:00:00+02:00')).toBe('2026-01-01T06:00:00.000Z');
    expect(() => parseTime('yesterday')).toThrow(/--since: expected an ISO time/);
  });
});

describe('verifyWebhook', () => {
  const body = Buffer.from('{"id":"evt_1","type":"invoice.paid","data":{"n":1}}');
  const now = 1_767_225_600_000;
  const ts = now / 1000 - 5;
  const secret = 'whsec_' + Buffer.alloc(32, 7).toString('base64');
  const other = 'whsec_' + Buffer.alloc(32, 9).toString('base64');
  const headers = (sig: string, t = ts) => ({ 'Webhook-Id': 'evt_1', 'webhook-timestamp': String(t), 'webhook-signature': sig });

  it('finds which of several v1 signatures (rotation) matched, and the timestamp age', () => {
    // Act
    const r = verifyWebhook({ secret, headers: headers(`${signV1(other, 'evt_1', ts, body.toString())} ${signV1(secret, 'evt_1', ts, body.toString())}`), body, toleranceSeconds: 300, nowMs: now });
    // Assert
    expect(r).toMatchObject({ valid: true, scheme: 'standard-webhooks', matched: { index: 2, of: 2, version: 'v1' }, webhookId: 'evt_1', ageSeconds: 5, timestampValid: true });
  });

  it('checks v1a with the whpk_ public key, and says when the key kind does not fit the header', () => {
    // Arrange
    const key = newEd25519Key(generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(-32));
    const sig = signV1a(key, 'evt_1', ts, body.toString());
    // Act
    const ok = verifyWebhook({ secret: ed25519PublicKey(key), headers: headers(sig), body, toleranceSeconds: 300, nowMs: now });
    const wrongKind = verifyWebhook({ secret, headers: headers(sig), body, toleranceSeconds: 300, nowMs: now });
    // Assert
    expect(ok).toMatchObject({ valid: true, scheme: 'standard-webhooks-ed25519', matched: { index: 1, of: 1, version: 'v1a' } });
    expect(wrongKind).toMatchObject({ valid: false, reason: expect.stringMatching(/only v1a \(Ed25519\) signatures/) });
  });

  it('rejects a stale or future timestamp even when the signature matches, and a tampered body', () => {
    const old = now / 1000 - 301;
    const stale = verifyWebhook({ secret, headers: headers(signV1(secret, 'evt_1', old, body.toString()), old), body, toleranceSeconds: 300, nowMs: now });
    const future = verifyWebhook({ secret, headers: headers(signV1(secret, 'evt_1', old + 700, body.toString()), old + 700), body, toleranceSeconds: 300, nowMs: now });
    const tampered = verifyWebhook({ secret, headers: headers(signV1(secret, 'evt_1', ts, body.toString())), body: Buffer.from(body.toString().replace('1}', '2}')), toleranceSeconds: 300, nowMs: now });
    expect(stale).toMatchObject({ valid: false, signatureValid: true, timestampValid: false, reason: expect.stringMatching(/301 s old, beyond the 300 s tolerance/) });
    expect(future).toMatchObject({ valid: false, signatureValid: true, reason: expect.stringMatching(/399 s in the future/) });
    expect(tampered).toMatchObject({ valid: false, signatureValid: false });
  });

  it('checks the hex scheme on the body alone, and points at a trailing newline added to a saved body', () => {
    const hex = verifyWebhook({ secret, scheme: 'hmac-sha256-hex', headers: { 'x-signature': signHex(secret, body.toString()) }, body, toleranceSeconds: 300, nowMs: now });
    const saved = verifyWebhook({ secret, headers: headers(signV1(secret, 'evt_1', ts, body.toString())), body: Buffer.concat([body, Buffer.from('\n')]), toleranceSeconds: 300, nowMs: now });
    expect(hex).toMatchObject({ valid: true, matched: { version: 'hex' } });
    expect(saved).toMatchObject({ valid: false, hint: expect.stringMatching(/trailing newline/) });
  });

  it('names missing headers', () => {
    expect(verifyWebhook({ secret, headers: { 'webhook-id': 'evt_1' }, body, toleranceSeconds: 300 })).toMatchObject({ valid: false, reason: 'missing headers: webhook-timestamp, webhook-signature' });
  });
});
