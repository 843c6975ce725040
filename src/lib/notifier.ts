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
