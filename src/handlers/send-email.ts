import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Mustache from 'mustache';
import { createTransport } from 'nodemailer';
import addressparser from 'nodemailer/lib/addressparser';
import { PermanentError } from '../core/errors.js';
import type { JobContext } from '../core/handler.js';
import { abortError, PayloadReader } from './payload.js';

/** Payload of a `send-email` job. */
export interface SendEmailPayload {
  /** Recipients: one address list string ("Ann <ann@example.com>, bob@example.com") or an array. */
  to: string | string[];
  cc?: string | string[];
  bcc?: string | string[];
  replyTo?: string | string[];
  /** Required unless the template has a `<name>.subject` file. */
  subject?: string;
  text?: string;
  html?: string;
  /** Template name: `<name>.subject`, `<name>.txt`, `<name>.html` in JOBS_EMAIL_TEMPLATES. */
  template?: string;
  /** Values for the template. */
  data?: Record<string, unknown>;
  /** Sender; default JOBS_EMAIL_FROM. */
  from?: string;
}

/** Result of a sent email. */
export interface SendEmailResult {
  messageId: string;
  accepted: string[];
  rejected: string[];
  response: string;
}

export const SMTP_URL_ENV = 'SMTP_URL';
export const EMAIL_FROM_ENV = 'JOBS_EMAIL_FROM';
export const EMAIL_TEMPLATES_ENV = 'JOBS_EMAIL_TEMPLATES';

// Pragmatic check of a bare address: a local part without spaces or specials, and a host name
// of letters, digits and hyphens (Unicode allowed; "localhost" allowed for local relays).
const LOCAL_PART = /^[^\s@<>()[\]\\,;:"]+$/u;
const DOMAIN = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?)*$/u;
const TEMPLATE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

function isValidAddress(address: string): boolean {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1 || address.length > 254) return false;
  return LOCAL_PART.test(address.slice(0, at)) && DOMAIN.test(address.slice(at + 1));
}

/** Parses an address list and refuses it whole if any entry is not a valid address. */
function parseAddresses(field: string, value: string | string[]): string[] {
  const items = Array.isArray(value) ? value : [value];
  const addresses: string[] = [];
  for (const item of items) {
    const parsed = addressparser(item, { flatten: true });
    if (parsed.length === 0) throw new PermanentError(`send-email: "${field}" has no address in ${JSON.stringify(item)}`);
    for (const mailbox of parsed) {
      if (!isValidAddress(mailbox.address)) {
        throw new PermanentError(`send-email: "${field}" has an invalid address ${JSON.stringify(mailbox.address || item)}`);
      }
    }
    addresses.push(item);
  }
  return addresses;
}

function addressList(reader: PayloadReader, field: string): string[] | undefined {
  const value = reader.raw(field);
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' && value.length > 0) return parseAddresses(field, value);
  if (Array.isArray(value) && value.length > 0 && value.every((item): item is string => typeof item === 'string')) {
    return parseAddresses(field, value);
  }
  throw reader.invalid(field, 'must be an address string or a non-empty array of them');
}

interface RenderedParts {
  subject?: string;
  text?: string;
  html?: string;
}

async function readTemplateFile(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Renders a template's parts with Mustache. Only the HTML part is HTML-escaped ({{x}} escapes,
 * {{{x}}} does not); the subject and text parts are plain text, so escaping would garble them.
 */
async function renderTemplate(name: string, data: Record<string, unknown>): Promise<RenderedParts> {
  const directory = process.env[EMAIL_TEMPLATES_ENV];
  if (!directory) throw new PermanentError(`send-email: template "${name}" asked for, but ${EMAIL_TEMPLATES_ENV} is not set on this worker`);
  const [subject, text, html] = await Promise.all(
    ['subject', 'txt', 'html'].map((extension) => readTemplateFile(join(directory, `${name}.${extension}`))),
  );
  if (text === undefined && html === undefined) {
    throw new PermanentError(`send-email: template "${name}" not found: no ${name}.txt or ${name}.html in ${directory}`);
  }
  const plain = { escape: (value: unknown): string => String(value) };
  try {
    const parts: RenderedParts = {};
    if (subject !== undefined) parts.subject = Mustache.render(subject, data, undefined, plain).trim();
    if (text !== undefined) parts.text = Mustache.render(text, data, undefined, plain);
    if (html !== undefined) parts.html = Mustache.render(html, data);
    return parts;
  } catch (error) {
    throw new PermanentError(`send-email: template "${name}" does not render: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** A Message-ID that stays the same across retries of one job, so receivers see one message. */
export function emailMessageId(ctx: Pick<JobContext, 'id' | 'queue' | 'createdAt'>, senderDomain: string | undefined): string {
  const safe = (value: string): string => value.replace(/[^A-Za-z0-9.-]/g, (char) => `_${char.charCodeAt(0).toString(16)}`);
  // The creation time keeps ids unique when job ids restart (a new Redis, a flushed database).
  return `<job-${safe(ctx.queue)}-${safe(ctx.id)}-${ctx.createdAt.getTime()}@${senderDomain ?? 'jobs'}>`;
}

/** Nodemailer's error fields this handler sorts failures by. */
interface SmtpErrorFields {
  code?: string;
  responseCode?: number;
  permanent?: boolean;
  response?: string;
  command?: string;
}

function describeSmtpError(error: unknown): { message: string; permanent: boolean } {
  const fields: SmtpErrorFields = typeof error === 'object' && error !== null ? (error as SmtpErrorFields) : {};
  const message = error instanceof Error ? error.message : String(error);
  if (typeof fields.responseCode === 'number') {
    // 5xx means the server refused this message for good; 503 (bad sequence) is a session hiccup.
    const permanent = fields.permanent ?? (fields.responseCode >= 500 && fields.responseCode !== 503);
    const command = fields.command ? ` to ${fields.command}` : '';
    return { message: `SMTP server answered ${fields.response ?? fields.responseCode}${command}`, permanent };
  }
  // Without a server reply: configuration problems are permanent, connection trouble is not.
  const permanent = fields.code === 'ECONFIG' || fields.code === 'ENOAUTH' || fields.code === 'EENVELOPE';
  return { message: `SMTP ${fields.code ? `${fields.code}: ` : ''}${message}`, permanent };
}

/** Sends one email over SMTP; 5xx replies fail permanently, 4xx and connection errors retry. */
export async function sendEmailHandler(payload: unknown, ctx: JobContext): Promise<SendEmailResult> {
  const reader = new PayloadReader('send-email', payload);
  const to = addressList(reader, 'to');
  if (to === undefined) throw reader.invalid('to', 'is required');
  const cc = addressList(reader, 'cc');
  const bcc = addressList(reader, 'bcc');
  const replyTo = addressList(reader, 'replyTo');
  const template = reader.optionalString('template');
  if (template !== undefined && (!TEMPLATE_NAME.test(template) || template.includes('..'))) {
    throw reader.invalid('template', 'must be a file name stem of letters, digits, ".", "_" and "-"');
  }
  const dataValue = reader.raw('data');
  if (dataValue !== undefined && (typeof dataValue !== 'object' || dataValue === null || Array.isArray(dataValue))) {
    throw reader.invalid('data', 'must be an object');
  }
  const explicit: RenderedParts = {};
  const subjectField = reader.optionalString('subject');
  const textField = reader.optionalText('text');
  const htmlField = reader.optionalText('html');
  if (subjectField !== undefined) explicit.subject = subjectField;
  if (textField !== undefined) explicit.text = textField;
  if (htmlField !== undefined) explicit.html = htmlField;

  const fromValue = reader.optionalString('from') ?? process.env[EMAIL_FROM_ENV];
  if (!fromValue) throw new PermanentError(`send-email: no sender: give "from" in the payload or set ${EMAIL_FROM_ENV}`);
  const [from] = parseAddresses('from', fromValue);
  const senders = addressparser(fromValue, { flatten: true });
  if (senders.length !== 1) throw new PermanentError(`send-email: the sender must be one address, got ${JSON.stringify(fromValue)}`);
  const senderAddress = senders[0]?.address;

  // Explicit payload parts win over the template's; payload strings are never rendered.
  const parts: RenderedParts = template === undefined ? explicit : { ...(await renderTemplate(template, (dataValue ?? {}) as Record<string, unknown>)), ...explicit };
  if (!parts.subject) throw reader.invalid('subject', template ? `is required (template "${template}" has no .subject file)` : 'is required');
  if (parts.text === undefined && parts.html === undefined) throw reader.invalid('text', 'or "html" or "template" is required');

  const smtpUrl = process.env[SMTP_URL_ENV];
  if (!smtpUrl) throw new PermanentError(`send-email: ${SMTP_URL_ENV} is not set on this worker (e.g. smtp://user:pass@host:587)`);

  const message = {
    from,
    to,
    subject: parts.subject,
    messageId: emailMessageId(ctx, senderAddress?.slice(senderAddress.lastIndexOf('@') + 1)),
    signal: ctx.signal,
    ...(parts.text === undefined ? {} : { text: parts.text }),
    ...(parts.html === undefined ? {} : { html: parts.html }),
    ...(cc === undefined ? {} : { cc }),
    ...(bcc === undefined ? {} : { bcc }),
    ...(replyTo === undefined ? {} : { replyTo }),
  };

  // One connection per email: no pool to leak when the worker stops. Query parameters of
  // SMTP_URL (e.g. ?connectionTimeout=5000) override these defaults.
  let transport: ReturnType<typeof createTransport>;
  try {
    transport = createTransport({ url: smtpUrl, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 60_000 });
  } catch (error) {
    throw new PermanentError(`send-email: ${SMTP_URL_ENV} is unusable: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    const info = await transport.sendMail(message);
    return {
      messageId: info.messageId,
      accepted: (info.accepted ?? []).map(String),
      rejected: (info.rejected ?? []).map(String),
      response: info.response ?? '',
    };
  } catch (error) {
    if (ctx.signal.aborted) throw abortError(ctx.signal);
    const { message: text, permanent } = describeSmtpError(error);
    throw permanent ? new PermanentError(text, { cause: error }) : new Error(text, { cause: error });
  } finally {
    transport.close();
  }
}
