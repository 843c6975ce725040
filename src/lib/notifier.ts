import type { Logger } from './logger.ts';

export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
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
