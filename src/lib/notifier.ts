import type { Config } from '../config.ts';
import type { Logger } from './logger.ts';

/** What an email says; the recipient is added by whoever sends it. */
export interface EmailContent {
  subject: string;
  text: string;
}

export interface EmailMessage extends EmailContent {
  to: string;
}

/** Outbound email behind one interface; providers plug in here. */
export interface Notifier {
  sendEmail(message: EmailMessage): Promise<void>;
}

/** Development/test provider: writes the email to the log (links included, so invites can be copied). */
export function consoleNotifier(logger: Logger): Notifier {
  return {
    async sendEmail(message) {
      logger.info('email', { email: { to: message.to, subject: message.subject, text: message.text } });
    },
  };
}

export interface HttpNotifierOptions {
  /** The provider's send endpoint, e.g. https://api.resend.com/emails. */
  url: string;
  /** Sent as `Authorization: Bearer <token>`; never logged. */
  token?: string;
  from: string;
  timeoutMs: number;
  logger: Logger;
  fetch?: typeof fetch;
}

/**
 * An HTTP email API shaped like Resend's `POST /emails` ({from, to, subject,
 * text}). Rejects on a timeout or a non-2xx answer after logging the status
 * (never the token, the recipient or the body); callers decide whether a
 * failed email matters (src/lib/emails.ts `deliver` does not let it).
 */
export function httpNotifier(options: HttpNotifierOptions): Notifier {
  const send = options.fetch ?? fetch;
  const endpoint = new URL(options.url);
  return {
    async sendEmail(message) {
      const started = Date.now();
      let status: number;
      try {
        const res = await send(endpoint, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          },
          body: JSON.stringify({ from: options.from, to: [message.to], subject: message.subject, text: message.text }),
          signal: AbortSignal.timeout(options.timeoutMs),
        });
        status = res.status;
        // Drain the body so the connection can be reused; its content is the provider's, not ours to log.
        await res.arrayBuffer().catch(() => undefined);
      } catch (err) {
        const reason = (err as Error).name === 'TimeoutError' ? `timed out after ${options.timeoutMs} ms` : 'network error';
        options.logger.error('email send failed', { provider: endpoint.host, reason, ms: Date.now() - started });
        throw new Error(`email provider ${reason}`);
      }
      if (status < 200 || status >= 300) {
        options.logger.error('email send failed', { provider: endpoint.host, status, ms: Date.now() - started });
        throw new Error(`email provider answered ${status}`);
      }
    },
  };
}

/** The provider the configuration names. */
export function notifierFromConfig(config: Config, logger: Logger): Notifier {
  if (config.EMAIL_PROVIDER === 'http' && config.EMAIL_HTTP_URL && config.EMAIL_FROM) {
    return httpNotifier({
      url: config.EMAIL_HTTP_URL,
      token: config.EMAIL_HTTP_TOKEN,
      from: config.EMAIL_FROM,
      timeoutMs: config.EMAIL_HTTP_TIMEOUT_MS,
      logger,
    });
  }
  return consoleNotifier(logger);
}
