// E-mail through a real SMTP server (Mailpit in tests and under `npm start`).
import nodemailer from 'nodemailer';

export interface Mailer {
  send(message: { to: string; subject: string; text: string; html: string }): Promise<void>;
  close(): void;
}

export function smtpMailer(smtpUrl: string, from: string): Mailer {
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    async send(message) {
      await transport.sendMail({ from, ...message });
    },
    close: () => transport.close(),
  };
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function verificationMail(businessName: string, link: string) {
  return {
    subject: 'Confirm your e-mail for CloudPOS',
    text: `Welcome to CloudPOS, ${businessName}.\n\nConfirm your e-mail address to continue:\n${link}\n\nThe link works for 24 hours. If you did not sign up, ignore this e-mail.\n`,
    html: `<p>Welcome to CloudPOS, ${escapeHtml(businessName)}.</p><p><a href="${escapeHtml(link)}">Confirm your e-mail address</a> to continue.</p><p>The link works for 24 hours. If you did not sign up, ignore this e-mail.</p>`,
  };
}

export function invitationMail(invitation: {
  accountName: string;
  inviter: string;
  role: 'owner' | 'manager';
  link: string;
  days: number;
}) {
  const { accountName, inviter, role, link, days } = invitation;
  const rights =
    role === 'owner'
      ? 'As an owner you can manage everything, including plans, payments and who else has access.'
      : 'As a manager you can run the stores: registers, products, taxes, staff and sales.';
  return {
    subject: `${accountName} invites you to CloudPOS`,
    text: `${inviter} invites you to manage ${accountName} on CloudPOS as ${role === 'owner' ? 'an owner' : 'a manager'}.\n${rights}\n\nAccept the invitation here (the link works for ${days} days, once):\n${link}\n\nIf you did not expect this, ignore this e-mail.\n`,
    html: `<p>${escapeHtml(inviter)} invites you to manage ${escapeHtml(accountName)} on CloudPOS as ${role === 'owner' ? 'an owner' : 'a manager'}.</p><p>${rights}</p><p><a href="${escapeHtml(link)}">Accept the invitation</a> (the link works for ${days} days, once).</p><p>If you did not expect this, ignore this e-mail.</p>`,
  };
}
