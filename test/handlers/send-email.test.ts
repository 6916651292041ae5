import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { builtinHandlers, PermanentError } from '../../src/index.js';
import { emailMessageId, sendEmailHandler } from '../../src/handlers/send-email.js';
import { freePort } from '../helpers/redis-server.js';
import { directContext, QUICK_BACKOFF, useQueues } from './harness.js';

const { open, work } = useQueues();

/** An SMTP reply the test server gives instead of accepting. */
class SmtpReply extends Error {
  constructor(
    readonly responseCode: number,
    message: string,
  ) {
    super(message);
  }
}

interface ReceivedMail {
  from: string;
  recipients: string[];
  raw: string;
}

/** What the server does with the nth RCPT TO / DATA (1-based) of the current test. */
interface ServerPlan {
  rcpt?: (nth: number) => SmtpReply | undefined;
  data?: (nth: number) => SmtpReply | undefined;
}

let server: SMTPServer;
let smtpUrl: string;
let plan: ServerPlan = {};
let received: ReceivedMail[] = [];
let connections = 0;
let rcptCount = 0;
let dataCount = 0;
const templateDir = mkdtempSync(join(tmpdir(), 'jobs-email-templates-'));

beforeAll(async () => {
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onConnect(_session, callback) {
      connections += 1;
      callback();
    },
    onRcptTo(_address, _session, callback) {
      rcptCount += 1;
      callback(plan.rcpt?.(rcptCount) ?? null);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        dataCount += 1;
        const mailFrom = session.envelope.mailFrom;
        received.push({
          from: mailFrom === false ? '' : mailFrom.address,
          recipients: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback(plan.data?.(dataCount) ?? null);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  smtpUrl = `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`;

  writeFileSync(join(templateDir, 'welcome.subject'), 'Welcome, {{name}}!\n');
  writeFileSync(join(templateDir, 'welcome.txt'), 'Hello {{name}}, your plan is {{plan}}.');
  writeFileSync(join(templateDir, 'welcome.html'), '<p>Hello {{name}}</p><p>{{{trustedHtml}}}</p>');
  writeFileSync(join(templateDir, 'textonly.txt'), 'Code {{code}}');
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(templateDir, { recursive: true, force: true });
});

beforeEach(() => {
  plan = {};
  received = [];
  connections = 0;
  rcptCount = 0;
  dataCount = 0;
  process.env.SMTP_URL = smtpUrl;
  process.env.JOBS_EMAIL_FROM = 'Jobs <noreply@example.com>';
  process.env.JOBS_EMAIL_TEMPLATES = templateDir;
});

/** The value of one header of a raw message (unfolded). */
function header(raw: string, name: string): string | undefined {
  const head = raw.split('\r\n\r\n')[0] ?? '';
  const unfolded = head.replace(/\r\n[ \t]+/g, ' ');
  const line = unfolded.split('\r\n').find((item) => item.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
}

describe('send-email through a worker', () => {
  it('delivers to every recipient with subject, body and a Message-ID from the job id', async () => {
    const queue = open();
    const { id } = await queue.enqueue('send-email', {
      to: ['ann@example.com', 'Bob <bob@example.org>'],
      cc: 'carol@example.net',
      subject: 'Your report',
      text: 'The report is ready.',
    });
    await work(queue, { handlers: builtinHandlers() });
    const job = await queue.waitFor(id, { timeoutMs: 10_000 });
    expect(job.status).toBe('success');
    expect(job.attempts).toBe(1);
    expect(received).toHaveLength(1);
    const [mail] = received;
    expect(mail?.from).toBe('noreply@example.com');
    expect(mail?.recipients).toEqual(['ann@example.com', 'bob@example.org', 'carol@example.net']);
    expect(header(mail?.raw ?? '', 'Subject')).toBe('Your report');
    expect(mail?.raw).toContain('The report is ready.');
    const messageId = header(mail?.raw ?? '', 'Message-ID');
    expect(messageId).toBe(emailMessageId({ id, queue: queue.name, createdAt: job.createdAt }, 'example.com'));
    expect(messageId).toMatch(new RegExp(`^<job-${queue.name}-${id}-\\d+@example\\.com>$`));
    expect(job.result).toMatchObject({ messageId, accepted: ['ann@example.com', 'bob@example.org', 'carol@example.net'] });
  });

  it('renders a template: HTML part escaped, text part and subject as plain text', async () => {
    const queue = open();
    const { id } = await queue.enqueue('send-email', {
      to: 'ann@example.com',
      template: 'welcome',
      data: { name: 'Ann <b>&</b>', plan: 'Pro & more', trustedHtml: '<em>hi</em>' },
    });
    await work(queue, { handlers: builtinHandlers() });
    const job = await queue.waitFor(id, { timeoutMs: 10_000 });
    expect(job.status).toBe('success');
    const raw = received[0]?.raw ?? '';
    expect(header(raw, 'Subject')).toBe('Welcome, Ann <b>&</b>!');
    expect(raw).toContain('Hello Ann <b>&</b>, your plan is Pro & more.');
    expect(raw).toContain('<p>Hello Ann &lt;b&gt;&amp;&lt;&#x2F;b&gt;</p><p><em>hi</em></p>');
  });

  it('fails permanently when the server answers 550', async () => {
    plan.rcpt = () => new SmtpReply(550, 'mailbox unavailable');
    const queue = open();
    const { id } = await queue.enqueue('send-email', { to: 'gone@example.com', subject: 's', text: 't' }, { backoff: QUICK_BACKOFF });
    await work(queue, { handlers: builtinHandlers() });
    const job = await queue.waitFor(id, { timeoutMs: 10_000 });
    expect(job.status).toBe('failed');
    expect(job.attempts).toBe(1);
    expect(job.error).toContain('550 mailbox unavailable');
    expect(await queue.deadLetters.size()).toBe(1);
    expect(received).toHaveLength(0);
  });

  it('retries a 451 and then delivers', async () => {
    plan.rcpt = (nth) => (nth === 1 ? new SmtpReply(451, 'greylisted, try later') : undefined);
    const queue = open();
    const { id } = await queue.enqueue('send-email', { to: 'ann@example.com', subject: 's', text: 't' }, { backoff: QUICK_BACKOFF });
    await work(queue, { handlers: builtinHandlers() });
    const job = await queue.waitFor(id, { timeoutMs: 10_000 });
    expect(job.status).toBe('success');
    expect(job.attempts).toBe(2);
    expect(connections).toBe(2);
    expect(received).toHaveLength(1);
  });

  it('keeps the Message-ID across retries after a 451 at the end of DATA', async () => {
    plan.data = (nth) => (nth === 1 ? new SmtpReply(451, 'local error, try later') : undefined);
    const queue = open();
    const { id } = await queue.enqueue('send-email', { to: 'ann@example.com', subject: 's', text: 't' }, { backoff: QUICK_BACKOFF });
    await work(queue, { handlers: builtinHandlers() });
    const job = await queue.waitFor(id, { timeoutMs: 10_000 });
    expect([job.status, job.attempts]).toEqual(['success', 2]);
    expect(received).toHaveLength(2);
    const ids = received.map((mail) => header(mail.raw, 'Message-ID'));
    expect(ids[0]).toBeDefined();
    expect(ids[1]).toBe(ids[0]);
  });

  it('dead-letters after maxAttempts when the server keeps answering 451', async () => {
    plan.rcpt = () => new SmtpReply(451, 'try later');
    const queue = open();
    const { id } = await queue.enqueue(
      'send-email',
      { to: 'ann@example.com', subject: 's', text: 't' },
      { maxAttempts: 3, backoff: QUICK_BACKOFF },
    );
    await work(queue, { handlers: builtinHandlers() });
    const job = await queue.waitFor(id, { timeoutMs: 10_000 });
    expect([job.status, job.attempts]).toEqual(['failed', 3]);
    expect(job.error).toContain('451 try later');
  });

  it('refuses an invalid address before connecting', async () => {
    const queue = open();
    const { id } = await queue.enqueue('send-email', { to: ['ann@example.com', 'not an address'], subject: 's', text: 't' });
    await work(queue, { handlers: builtinHandlers() });
    const job = await queue.waitFor(id, { timeoutMs: 10_000 });
    expect([job.status, job.attempts]).toEqual(['failed', 1]);
    expect(job.error).toContain('invalid address');
    expect(connections).toBe(0);
  });
});

describe('send-email called directly', () => {
  const refuse = (payload: unknown): Promise<unknown> => sendEmailHandler(payload, directContext()).catch((error: unknown) => error);

  it('refuses bad payloads and missing settings with PermanentError, before connecting', async () => {
    const cases: [unknown, string][] = [
      [{ subject: 's', text: 't' }, '"to" is required'],
      [{ to: 'a@example.com', text: 't' }, '"subject" is required'],
      [{ to: 'a@example.com', subject: 's' }, '"text" or "html" or "template" is required'],
      [{ to: 'a@', subject: 's', text: 't' }, 'invalid address'],
      [{ to: 'a@example.com', subject: 's', text: 't', from: 'nobody' }, '"from" has an invalid address'],
      [{ to: 'a@example.com', template: '../etc/passwd' }, '"template" must be a file name'],
      [{ to: 'a@example.com', template: 'nope' }, 'template "nope" not found'],
      [{ to: 'a@example.com', template: 'textonly' }, 'has no .subject file'],
      [{ to: 'a@example.com', template: 'textonly', data: [1] }, '"data" must be an object'],
      [{ to: 42, subject: 's', text: 't' }, '"to" must be an address string'],
      [{ to: 'a@example.com', subject: 's', text: 't', from: 'a@example.com, b@example.com' }, 'the sender must be one address'],
    ];
    for (const [payload, message] of cases) {
      const error = await refuse(payload);
      expect(error, message).toBeInstanceOf(PermanentError);
      expect((error as Error).message).toContain(message);
    }
    delete process.env.JOBS_EMAIL_FROM;
    expect(((await refuse({ to: 'a@example.com', subject: 's', text: 't' })) as Error).message).toContain('JOBS_EMAIL_FROM');
    delete process.env.SMTP_URL;
    const noSmtp = await refuse({ to: 'a@example.com', subject: 's', text: 't', from: 'me@example.com' });
    expect(noSmtp).toBeInstanceOf(PermanentError);
    expect((noSmtp as Error).message).toContain('SMTP_URL is not set');
    delete process.env.JOBS_EMAIL_TEMPLATES;
    expect(((await refuse({ to: 'a@example.com', template: 'welcome', from: 'me@example.com' })) as Error).message).toContain(
      'JOBS_EMAIL_TEMPLATES is not set',
    );
    expect(connections).toBe(0);
  });

  it('uses explicit payload parts over the template and never renders payload strings', async () => {
    const result = await sendEmailHandler(
      { to: 'a@example.com', template: 'textonly', subject: 'Code {{code}}', data: { code: 'X1' } },
      directContext(),
    );
    expect(result.accepted).toEqual(['a@example.com']);
    const raw = received[0]?.raw ?? '';
    expect(header(raw, 'Subject')).toBe('Code {{code}}');
    expect(raw).toContain('Code X1');
  });

  it('retries a refused connection (no PermanentError)', async () => {
    process.env.SMTP_URL = `smtp://127.0.0.1:${await freePort()}`;
    const error = await refuse({ to: 'a@example.com', subject: 's', text: 't' });
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(PermanentError);
    expect((error as Error).message).toMatch(/ECONNREFUSED|ESOCKET|ECONNECTION/);
  });

  it('builds Message-IDs that are safe for any queue name', () => {
    const id = emailMessageId({ id: '7', queue: 'mail@eu<1>', createdAt: new Date(5) }, undefined);
    expect(id).toBe('<job-mail_40eu_3c1_3e-7-5@jobs>');
  });
});
