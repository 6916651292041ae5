import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { PermanentError } from '../core/errors.js';
import type { DestinationGuard } from './destination-guard.js';

/** What came back from a POST: status, headers and at most `bodyLimit` bytes of the body. */
export interface PostAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  truncated: boolean;
}

/**
 * Sends POST requests only to destinations the guard allows. Address literals are checked
 * before the request; names are resolved by the guard's `lookup`, which the sockets use, so the
 * connection goes to an address that was checked. The agents are this poster's own: a kept-alive
 * socket opened under one allow-list is never reused under another.
 */
export class GuardedPoster {
  private readonly httpAgent: HttpAgent;
  private readonly httpsAgent: HttpsAgent;

  constructor(private readonly guard: DestinationGuard) {
    this.httpAgent = new HttpAgent({ keepAlive: true, lookup: guard.lookup });
    this.httpsAgent = new HttpsAgent({ keepAlive: true, lookup: guard.lookup });
  }

  /**
   * POSTs `body` to `target`. Redirects are not followed (a 3xx is returned as it is). Rejects
   * with DestinationRefusedError for a refused address, with the socket's error otherwise.
   */
  async post(target: URL, headers: Record<string, string>, body: string, options: { signal: AbortSignal; bodyLimit: number }): Promise<PostAnswer> {
    this.guard.checkLiteral(target.hostname);
    const https = target.protocol === 'https:';
    let request: ClientRequest;
    try {
      request = (https ? httpsRequest : httpRequest)(target, {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        agent: https ? this.httpsAgent : this.httpAgent,
        lookup: this.guard.lookup,
        signal: options.signal,
      });
    } catch (error) {
      // Node refuses the request itself (a header it will not send): the same on every attempt.
      throw new PermanentError(`the request cannot be sent: ${(error as Error).message}`);
    }
    return new Promise<PostAnswer>((resolve, reject) => {
      // Kept for the request's whole life: a late error after settling must not go unhandled.
      request.on('error', reject);
      request.once('response', (response) => {
        readSlice(response, options.bodyLimit).then(
          ({ text, truncated }) => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text, truncated }),
          reject,
        );
      });
      request.end(body);
    });
  }
}

/** Reads at most `limit` bytes of the body and drops the connection past it, so a huge answer costs nothing. */
async function readSlice(response: IncomingMessage, limit: number): Promise<{ text: string; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.length;
    if (size > limit) {
      truncated = true;
      response.destroy();
      break;
    }
  }
  return { text: new TextDecoder().decode(Buffer.concat(chunks).subarray(0, limit)), truncated };
}
